"""The labelled corpus: every learner with its TRUE verdict, argued from its mathematics in one line.

Labels (``expected``): ``invariant``, ``pm1-invariant``, ``not-invariant``,
``invariant-in-distribution`` (randomised learners whose law is invariant), and the diagnoses
``does-not-learn`` (predictions independent of (X_train, y_train) altogether) and ``non-finite``
(NaN/inf on some valid inputs, no violation on finite outputs). ``output_symmetry`` is given for
multi-output (``model="layer"``) learners. Labels are about the algorithm in exact arithmetic:
reduced-precision casts do not change a label; a quantisation that is part of the algorithm does.

These labels were written (and committed) before the checker was run on any entry; a label changed
after a run is listed, with the reason, in benchmarks/corpus/README.md (CHANGELOG).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import sklearn.linear_model
import torch.optim

from benchmarks.corpus import numpy_learners as nl
from benchmarks.corpus import sklearn_learners as sk

INV, PM1, NOT = "invariant", "pm1-invariant", "not-invariant"
IID, DNL, NF = "invariant-in-distribution", "does-not-learn", "non-finite"
ORTH, SPERM = "orthogonal", "signed-permutations"
LABELS = (INV, PM1, NOT, IID, DNL, NF)

TL = "benchmarks.corpus.torch_learners"
OL = "benchmarks.corpus.optax_learners"


@dataclass(frozen=True)
class Entry:
    id: str
    target: Any
    expected: str
    why: str
    options: dict = field(default_factory=dict)
    output_symmetry: str | None = None
    fast: bool = False
    group: str = ""


ENTRIES: list[Entry] = []


def _add(group: str, id: str, target: Any, expected: str, why: str, options: dict | None = None,
         output_symmetry: str | None = None, fast: bool = False) -> None:
    assert expected in LABELS, expected
    ENTRIES.append(Entry(id, target, expected, why, dict(options or {}), output_symmetry, fast, group))


# ==================================================================================================
# 1. plain NumPy learners
N = "numpy"
_add(N, "np.ridge", nl.ridge, INV, "w = (XᵀX+λI)⁻¹Xᵀy maps to Uw under X ↦ XUᵀ, so x·w is unchanged", fast=True)
_add(N, "np.min_norm_ls", nl.min_norm_least_squares, INV, "X⁺ of XUᵀ is UX⁺ (singular values and the cutoff are invariant): ŷ = X_t X⁺ y")
_add(N, "np.ridge_dual", nl.ridge_dual, INV, "ŷ = X_t Xᵀ(XXᵀ+λI)⁻¹y uses only inner products")
_add(N, "np.ols_intercept", nl.ols_with_intercept, INV, "column means rotate with the data (μ ↦ Uμ), so centred data is XUᵀ-equivariant; then min-norm LS")
_add(N, "np.krr_rbf", nl.kernel_ridge_rbf, INV, "Gaussian kernel of ‖x−x′‖₂ is a function of inner products")
_add(N, "np.krr_poly", nl.kernel_ridge_poly, INV, "(1+⟨x,x′⟩/d)³ is a function of inner products")
_add(N, "np.krr_laplacian_l1", nl.kernel_ridge_laplacian_l1, PM1,
     "‖x−x′‖₁ is not rotation invariant, but on ±1 data |x_i−x′_i| ∈ {0,2} so ‖x−x′‖₁ = ‖x−x′‖₂²/2: a Gram function on twins",
     fast=True)
_add(N, "np.krr_laplacian_l2", nl.kernel_ridge_laplacian_l2, INV, "exp(−‖x−x′‖₂/√d) is a function of inner products")
_add(N, "np.krr_cubed", nl.kernel_ridge_cubed_features, PM1,
     "⟨x³,x′³⟩ is not a Gram function, but x_i³ = x_i on ±1 so it equals ⟨x,x′⟩ there")
_add(N, "np.knn_euclid", nl.knn_euclidean, INV,
     "distances are Gram functions, exactly equal on both sides; ties are broken by training index, which rotation does not move",
     fast=True)
_add(N, "np.knn_tiebreak_x0", nl.knn_tiebreak_first_coordinate, NOT,
     "ties (frequent on ±1 twins) are broken by the neighbour's first coordinate, which a twin flip changes")
_add(N, "np.knn_manhattan", nl.knn_manhattan, PM1,
     "L1 distance is not invariant, but on ±1 data it is ‖x−x′‖₂²/2 (monotone in the Gram), exact integers, index tie-break")
_add(N, "np.knn_chebyshev", nl.knn_chebyshev, PM1,
     "L∞ distance is not invariant; on ±1 data it is 0 if x = x′ (Gram-decidable) else 2, so the stable order is the same on twins")
_add(N, "np.knn_cosine", nl.knn_cosine, INV, "cosine similarity is a function of inner products and norms; index tie-break")
_add(N, "np.nadaraya_watson", nl.nadaraya_watson, INV, "weights exp(−‖x−x_j‖²/2d) are Gram functions")
_add(N, "np.zca_ridge", nl.zca_whitened_ridge, INV,
     "Σ ↦ UΣUᵀ so Σ^{-1/2} ↦ UΣ^{-1/2}Uᵀ and whitened data X Σ^{-1/2} ↦ XΣ^{-1/2}Uᵀ; ridge on it is invariant")
_add(N, "np.standardized_ridge", nl.standardized_ridge, NOT,
     "per-column std scaling is a diagonal map not commuting with U; on ±1 twins the column means/stds differ")
_add(N, "np.maxabs_ridge", nl.maxabs_scaled_ridge, PM1,
     "per-column max-abs scaling is coordinate-wise, but every column of ±1 data has max |x| = 1: identity on twins")
_add(N, "np.pcr_top1", nl.pca_regression_top1, NOT,
     "the top singular direction is arbitrary when σ₁ is repeated (H₄ rows: all σ equal); SVD picks it from the coordinates, so twins differ")
_add(N, "np.newton_logcosh", nl.newton_logcosh, INV, "gradient Xᵀψ(r)+w and Hessian XᵀDX+I are equivariant; Newton iterates stay U-rotated")
_add(N, "np.mean_y", nl.mean_of_labels, INV, "mean of y_train does not involve X at all, but depends on the training labels: it learns and is invariant")
_add(N, "np.median_y", nl.median_of_labels, INV, "median of y_train: no X, depends on training labels")
_add(N, "np.ridge_nan_d10", nl.ridge_nan_from_d10, NF, "ridge (invariant) but NaN whenever d ≥ 10", fast=True)
_add(N, "np.ridge_plus_1e-6_x0", nl.ridge_plus_tiny_coordinate, NOT, "the 1e-6·x_test[0] term reads a coordinate; on twins x[0] changes", fast=True)
_add(N, "np.ridge_explicit_inverse", nl.ridge_explicit_inverse, INV, "ridge λ = 1e-6 in exact arithmetic; the explicit inverse only adds rounding noise")
_add(N, "np.ridge_float32", nl.ridge_float32, INV, "ridge in exact arithmetic; float32 is rounding only")
_add(N, "np.gd_online", nl.gd_online, INV, "GD from 0: w ∈ span of rows with Gram-determined coefficients; scale max‖x‖ is invariant")
_add(N, "np.gd_full_batch", nl.gd_full_batch, INV, "w ← w − ηXᵀ(Xw−y) with η = 1/‖X‖_F² (invariant) keeps w ↦ Uw")
_add(N, "np.heavy_ball", nl.heavy_ball, INV, "momentum buffer and w are linear in past gradients r_t x_t: equivariant")
_add(N, "np.nesterov", nl.nesterov, INV, "Nesterov is linear in gradients with scalar coefficients: equivariant")
_add(N, "np.normalized_gd", nl.normalized_gd, INV, "g/‖g‖₂: the L2 norm is invariant")
_add(N, "np.linf_normalized_gd", nl.linf_normalized_gd, PM1,
     "‖g‖∞ = |r|·max|x_i| is not invariant; on ±1 one example/step it is |r|, so g/‖g‖∞ = sign(r)x")
_add(N, "np.l1_normalized_gd", nl.l1_normalized_gd, PM1, "‖g‖₁ = |r|‖x‖₁ is not invariant; on ±1 it is |r|d = |r|‖x‖²")
_add(N, "np.global_clip_gd", nl.global_norm_clip_gd, INV,
     "clipping by the global L2 norm multiplies g by an invariant scalar")
_add(N, "np.coord_clip_gd", nl.coordinate_clip_gd, PM1,
     "per-coordinate clip is not equivariant; on ±1, one example/step |g_i| = |r| for all i so clip(r x_i) = clip(r)x_i")
_add(N, "np.coord_clip_full_batch", nl.coordinate_clip_gd_full_batch, NOT,
     "full-batch g_i = Σ_j r_j x_ji differ across coordinates on ±1 data, so which coordinates are clipped is not Gram-determined")
_add(N, "np.adagrad_diag", nl.adagrad_diagonal, PM1, "per-coordinate Σg_i²; on ±1 one example/step g_i² = r² for all i", fast=True)
_add(N, "np.adam", nl.adam, PM1, "per-coordinate m/√v; on ±1 one example/step v_i is the same scalar for all i", fast=True)
_add(N, "np.rmsprop", nl.rmsprop, PM1, "per-coordinate EMA of g_i² = r² on ±1 with one example/step")
_add(N, "np.adam_full_batch", nl.adam_full_batch, NOT, "full-batch g_i = Σ r_j x_ji differs across coordinates even on ±1: per-coordinate v is not scalar")
_add(N, "np.adagrad_minibatch2", nl.adagrad_minibatch2, NOT, "with 2 examples per step g_i = (r₁x₁ᵢ+r₂x₂ᵢ)/2 takes different magnitudes on ±1")
_add(N, "np.adagrad_norm", nl.adagrad_norm, INV, "one scalar accumulator Σ‖g‖₂²: invariant step size")
_add(N, "np.adagrad_full_matrix", nl.adagrad_full_matrix, INV, "G ↦ UGUᵀ, (δI+G)^{-1/2} ↦ U(·)Uᵀ: the preconditioned step is equivariant")
_add(N, "np.signsgd_online", nl.sign_sgd_online, PM1, "sign(r x) = sign(r)x on ±1 data with one example per step; not equivariant otherwise", fast=True)
_add(N, "np.signsgd_full_batch", nl.sign_sgd_full_batch, NOT, "sign of Σ r_j x_j is a coordinate-wise majority of ≥3 ±1 rows: not a Gram function")
_add(N, "np.egu_overflow", nl.egu_overflowing, NOT,
     "EGU's multiplicative coordinate-wise step violates on ±1 data; its NaN on large inputs does not change that", fast=True)
_add(N, "np.eg_pm", nl.eg_plus_minus, NOT, "EG±: w = u − v with coordinate-wise exponentiated updates, not a span of inputs")
_add(N, "np.spindly_gd", nl.spindly_gd, NOT, "GD on u⊙u: the update 2u⊙g is coordinate-wise; from u = 1/√d·1 it favours the all-ones direction")
_add(N, "np.feature_scaled_gd", nl.feature_scaled_gd, NOT, "w ← w − η w⊙g from w = 1/d·1 is coordinate-wise multiplicative (like EGU to first order)")
_add(N, "np.feature_scaled_gd_zero", nl.feature_scaled_gd_zero_init, DNL, "w ← w − η w⊙g from w = 0 stays 0 forever: predictions are 0")
_add(N, "np.gd_from_ones", nl.gd_from_ones, NOT, "init w₀ = 1/√d·1 is a fixed direction: ŷ contains ⟨1,x⟩ terms, not Gram-determined")
_add(N, "np.cg_l2_stop", nl.cg_l2_stopping, INV, "CG iterates are Krylov combinations with Gram-determined coefficients; the stop test ‖res‖₂ is invariant")
_add(N, "np.gd_linf_stop", nl.gd_linf_stopping, NOT, "stopping when ‖g‖∞ ≤ tol: the stopping iteration depends on coordinates (also on ±1 twins)")
_add(N, "np.cyclic_cd", nl.cyclic_coordinate_descent, NOT, "coordinate descent updates one coordinate at a time: iterates after 2 sweeps depend on the basis")
_add(N, "np.lasso_ista", nl.lasso_ista, NOT, "soft-thresholding is coordinate-wise (L1 geometry), also on ±1 data", fast=True)
_add(N, "np.stump", nl.regression_stump, NOT, "threshold split on a single coordinate")
_add(N, "np.rls", nl.rls_online_newton, INV, "P ↦ UPUᵀ, w ↦ Uw under X ↦ XUᵀ (P₀ = I/λ is isotropic)")
_add(N, "np.vaw", nl.vaw_forecaster, INV, "xᵀ(λI+XᵀX+xxᵀ)⁻¹Xᵀy: all matrices conjugate by U")
_add(N, "np.rff", nl.random_fourier_features, IID, "W ~ N(0,I) has the law of UᵀW, so cos(WᵀUx+b) has the same law as cos(Wᵀx+b)")
_add(N, "np.gaussian_projection", nl.gaussian_projection_ridge, IID, "P ~ N(0,I): UᵀP has P's law, so the projected problem has the same law")
_add(N, "np.shuffled_sgd", nl.shuffled_sgd, INV, "randomness only permutes the examples; with the same seed both sides run invariant GD in the same order")
_add(N, "np.row_sketch_ridge", nl.row_sketched_ridge, INV, "the Gaussian sketch mixes examples (rows), not features: (SX)Uᵀ — ridge on it is invariant seed by seed")
_add(N, "np.gd_diverging", nl.gd_fixed_step_diverging, NF,
     "GD with step 1 on raw inputs, 100 passes: invariant, but overflows to inf/NaN when ‖x‖² > 2 (finite outputs stay equivariant)")
_add(N, "np.zeros", nl.zeros, DNL, "returns 0 whatever the data", fast=True)
_add(N, "np.constant_one", nl.constant_one, DNL, "X_test[:,0]·0 + 1 = 1 whatever the data")
_add(N, "np.test_norm", nl.norm_of_test_point, DNL, "‖x_test‖₂ is rotation invariant but ignores (X_train, y_train) entirely")
_add(N, "np.gd_zero_step", nl.gd_zero_step, DNL, "step size 0: w stays 0")
_add(N, "np.fixed_seed_noise", nl.fixed_seed_noise, DNL, "fixed-seed noise, independent of any data")

# ==================================================================================================
# 2. scikit-learn regressors
S = "sklearn"
_add(S, "sk.LinearRegression", sklearn.linear_model.LinearRegression, INV, "centred min-norm least squares (lstsq): invariant")
_add(S, "sk.Ridge", sklearn.linear_model.Ridge, INV, "ridge with intercept: centring is equivariant, isotropic penalty")
_add(S, "sk.KernelRidge_rbf", sk.kernel_ridge_rbf, INV, "RBF kernel with γ = 1/d (default None → 1/n_features): Gram function")
_add(S, "sk.KernelRidge_laplacian", sk.kernel_ridge_laplacian, PM1, "sklearn's laplacian kernel is exp(−γ‖x−x′‖₁): L1 = ‖x−x′‖²/2 on ±1 data")
_add(S, "sk.Lasso", sk.lasso, NOT, "L1 penalty, coordinate descent: sparsity in the coordinate basis")
_add(S, "sk.DecisionTree", sk.tree, NOT, "axis-aligned splits")
_add(S, "sk.KNN_brute", sk.knn_brute, INV, "brute-force Euclidean distances are Gram functions (exact on ±1), deterministic selection among equal distances")
_add(S, "sk.KNN_kdtree_leaf1", sk.knn_kd_tree, NOT, "with leaf_size=1 the KD-tree splits on coordinates and its traversal order decides which tied neighbours win")
_add(S, "sk.BayesianRidge", sk.bayesian_ridge, NOT,
     "isotropic model, but it stops when Σ|Δcoef| (an L1 norm) < tol: the stopping iteration, hence α, λ, depend on the basis")
_add(S, "sk.ARD", sk.ard, NOT, "a separate prior precision per coordinate (automatic relevance determination)")
_add(S, "sk.OMP", sk.omp, NOT, "selects the single coordinate most correlated with y")
_add(S, "sk.SVR_default", sk.svr_scale, NOT, "gamma='scale' = 1/(d·X.var()) uses the mean of all entries ⟨1,Σx⟩, not a Gram function (also on ±1 twins)")
_add(S, "sk.SVR_gamma", sk.svr_fixed_gamma, INV, "RBF with fixed γ; SMO works on dual (example) variables only")
_add(S, "sk.GaussianProcess", sk.gp, INV, "default kernel 1·RBF(1) with fixed hyperparameters: posterior mean is a Gram function")
_add(S, "sk.PLS_noscale", sk.pls, INV, "PLS1 on centred, unscaled X: w ∝ Xᵀy, all steps equivariant (sign fix cancels in predictions)")
_add(S, "sk.Poly2_Ridge", sk.poly_ridge, PM1,
     "monomial features without √2 weights: kernel has a Σx_i²x′_i² term, not invariant; on ±1 it is the constant d")
_add(S, "sk.Standardize_Ridge", sk.standardized_ridge, NOT, "StandardScaler rescales coordinates by their std: not equivariant, also on ±1")

# ==================================================================================================
# 3. torch optimizers (default: linear neuron, zero init, square loss, one example per step, 3 passes)
T = "torch"
_add(T, "t.ClosureFreeSGD", f"{TL}:ClosureFreeSGD", INV, "plain SGD from 0 (the caller's backward() supplies the gradient): equivariant", fast=True)
_add(T, "t.ClosureFreeAdaGrad", f"{TL}:ClosureFreeAdaGrad", PM1, "diagonal AdaGrad: per-coordinate Σg_i², scalar on ±1 one example/step")
_add(T, "t.NoClosureMomentumSGD", f"{TL}:NoClosureMomentumSGD", INV, "heavy-ball SGD: linear in gradients")
_add(T, "t.NoClosureAdam", f"{TL}:NoClosureAdam", PM1, "Adam: per-coordinate v, scalar on ±1 one example/step", fast=True)
_add(T, "t.SAM", f"{TL}:SAM", INV, "perturbation ρg/‖g‖₂ uses the global L2 norm; the perturbed gradient and SGD step are equivariant")
_add(T, "t.SAMTwoClosures", f"{TL}:SAMTwoClosures", INV, "same SAM math with both gradients from the closure")
_add(T, "t.ArmijoGD", f"{TL}:ArmijoGD", INV, "backtracking on f(w − tg) ≤ f(w) − ½t‖g‖²: losses and ‖g‖² are invariant, so t is")
_add(T, "t.MiniLBFGS", f"{TL}:MiniLBFGS", INV, "two-loop recursion uses only inner products of s, y, g; L2 step cap: equivariant")
_add(T, "t.PlainStepSGD", f"{TL}:PlainStepSGD", INV, "momentum SGD with step(self): linear in gradients")
_add(T, "t.PlainStepRMSprop", f"{TL}:PlainStepRMSprop", PM1, "RMSprop: per-coordinate EMA of g², scalar on ±1 one example/step")
_add(T, "t.Float32MomentumSGD", f"{TL}:Float32MomentumSGD", INV, "heavy-ball SGD in exact arithmetic; the float32 casts are rounding")
_add(T, "t.Float32Adam", f"{TL}:Float32Adam", PM1, "Adam in exact arithmetic; float32 is rounding")
_add(T, "t.BF16MomentumSGD", f"{TL}:BF16MomentumSGD", INV, "heavy-ball SGD in exact arithmetic; the bfloat16 buffer is rounding")
_add(T, "t.BF16SecondMomentAdam", f"{TL}:BF16SecondMomentAdam", PM1, "Adam in exact arithmetic (bfloat16 exp_avg_sq is rounding)")
_add(T, "t.Int8MomentumSGD", f"{TL}:Int8MomentumSGD", NOT,
     "per-tensor absmax int8 quantisation rounds each coordinate of the momentum: an odd coordinate-wise map, nonlinear in ≥3 ±1 rows")
_add(T, "t.VectorOnlySGD", f"{TL}:VectorOnlySGD", DNL, "only p.ndim == 1 params move; the Linear weight is 2-D, so it stays 0", fast=True)
_add(T, "t.DecayOnly", f"{TL}:DecayOnly", DNL, "ignores gradients; decay of a zero weight keeps it 0")
_add(T, "t.NeverSteps", f"{TL}:NeverSteps", DNL, "never changes a parameter")
_add(T, "t.MultiplicativeEG", f"{TL}:MultiplicativeEG", DNL, "p ← p⊙exp(−lr g) from zero init stays 0")
_add(T, "t.GlobalClipSGD", f"{TL}:GlobalClipSGD", INV, "global L2-norm clipping scales g by an invariant scalar")
_add(T, "t.CoordinateClipSGD", f"{TL}:CoordinateClipSGD", PM1, "clamp per coordinate; on ±1 one example/step |g_i| = |r| for all i")
_add(T, "t.GroupCounterAdam", f"{TL}:GroupCounterAdam", PM1, "Adam with the counter in the group: still per-coordinate v")
_add(T, "t.NesterovSGD", f"{TL}:NesterovSGD", INV, "Nesterov momentum is linear in gradients")
_add(T, "t.NormalizedSGD", f"{TL}:NormalizedSGD", INV, "g/‖g‖₂")
_add(T, "t.SignSGDPerExample", f"{TL}:SignSGDPerExample", PM1, "sign(r x) = sign(r)x on ±1 with one example/step")
_add(T, "t.LionLike", f"{TL}:LionLike", NOT,
     "sign(β₁m + (1−β₁)g) with m mixing earlier examples: coordinate-wise majority of ≥3 ±1 rows, not a span element", fast=True)
_add(T, "t.EGPlusMinus", f"{TL}:EGPlusMinus", NOT, "EG± multiplicative coordinate-wise updates of u, v from a constant init")
_add(T, "t.FactoredSecondMoment", f"{TL}:FactoredSecondMoment", PM1,
     "on a 1×d weight the column statistic is per-coordinate g_i² (= r² on ±1); RMS clip is norm-based")
_add(T, "t.FullMatrixAdaGrad", f"{TL}:FullMatrixAdaGrad", INV, "(δI + Σggᵀ)^{-1/2} g is equivariant")
_add(T, "t.PerCoordinateLR", f"{TL}:PerCoordinateLR", NOT, "fixed per-coordinate learning rates lr(1+i/d) read the basis")
_add(T, "t.CentralizedSGD", f"{TL}:CentralizedSGD", NOT, "subtracting the coordinate mean projects away the all-ones direction, a fixed direction")
_add(T, "t.ShampooLike", f"{TL}:ShampooLike", INV, "L^{-1/4} G R^{-1/4} with R = ΣGᵀG ↦ URUᵀ: equivariant")
_add(T, "t.MuonSVD", f"{TL}:MuonSVD", INV, "polar factor of the momentum (rank cutoff relative to σ_max): polar(MUᵀ) = polar(M)Uᵀ")
_add(T, "t.RowAdaGrad", f"{TL}:RowAdaGrad", INV, "on the 1×d weight one accumulator Σ‖g‖²: AdaGrad-norm")
_add(T, "t.ColumnNormSGD", f"{TL}:ColumnNormSGD", PM1, "on a 1×d weight G[:,j]/‖G[:,j]‖ = sign(g_j): signSGD, pm1 with one example/step")
# torch.optim built-ins
_add(T, "torch.SGD", torch.optim.SGD, INV, "SGD lr 1e-3: linear in gradients")
_add(T, "torch.SGD_nesterov", functools.partial(torch.optim.SGD, momentum=0.9, nesterov=True), INV, "Nesterov SGD: linear in gradients")
_add(T, "torch.Adam", torch.optim.Adam, PM1, "per-coordinate second moment")
_add(T, "torch.AdamW", torch.optim.AdamW, PM1, "Adam + decoupled scalar weight decay")
_add(T, "torch.Adagrad", torch.optim.Adagrad, PM1, "per-coordinate Σg²")
_add(T, "torch.RMSprop", torch.optim.RMSprop, PM1, "per-coordinate EMA of g²")
_add(T, "torch.Rprop", torch.optim.Rprop, NOT,
     "per-coordinate step sizes adapted by sign(g_t,i g_{t−1,i}) = sign(r_t r_{t−1}) x_t,i x_{t−1,i}: coordinate-dependent on ±1")
_add(T, "torch.Adamax", torch.optim.Adamax, PM1, "u = max(β₂u, |g|+ε) per coordinate; |g_i| = |r| on ±1")
_add(T, "torch.Adadelta", torch.optim.Adadelta, PM1, "per-coordinate EMAs of g² and Δ², both uniform across coordinates on ±1 one example/step")
_add(T, "torch.NAdam", torch.optim.NAdam, PM1, "Adam with Nesterov momentum: per-coordinate v")
_add(T, "torch.RAdam", torch.optim.RAdam, PM1, "SGD-with-momentum steps until ρ_t > 5, then Adam's per-coordinate v")
_add(T, "torch.ASGD", torch.optim.ASGD, INV, "SGD with scalar decay and a scalar step schedule; the average is not used for predictions", {"lr": 0.002})
_add(T, "torch.LBFGS", torch.optim.LBFGS, PM1,
     "first step t = min(1, 1/‖g‖₁)·lr uses the L1 norm (on ±1, one example: ‖g‖₁ = |r|‖x‖²); the rest is inner products")
_add(T, "torch.Adam_batch4", torch.optim.Adam, NOT, "4 examples per step: g_i = Σ r_j x_ji differ across coordinates on ±1", {"batch_size": 4, "lr": 0.05})
# third-party packages (read from their source in the venv)
import lion_pytorch  # noqa: E402
import pytorch_optimizer as po  # noqa: E402
import schedulefree  # noqa: E402

_add(T, "po.AdaFactor", po.AdaFactor, PM1,
     "1×d weight: factored stats reduce to per-coordinate g_i²; RMS lr scale and clip are norms; bf16 momentum is rounding")
_add(T, "po.Fromage", po.Fromage, INV, "p ← (p − lr g‖p‖/‖g‖)/√(1+lr²): norms only")
_add(T, "po.Lion", po.Lion, NOT, "sign of interpolated momentum: coordinate-wise majority of several examples")
_add(T, "po.Tiger", po.Tiger, NOT, "sign of an EMA of gradients of several examples")
_add(T, "po.Signum", po.SignSGD, NOT, "SignSGD default momentum 0.9: sign of an EMA of several examples")
_add(T, "po.SignSGD_m0", functools.partial(po.SignSGD, momentum=0.0), PM1, "no momentum: sign(r x) = sign(r)x on ±1, one example/step")
_add(T, "po.NovoGrad", po.NovoGrad, INV, "layer-wise second moment of ‖g‖² (a scalar per tensor): g/√v is norm-normalised")
_add(T, "po.LARS", po.LARS, INV, "trust ratio ‖p‖/‖g‖ and momentum: norms and linear maps")
_add(T, "po.Lamb", po.Lamb, PM1, "Adam direction (per-coordinate v) times trust ratio of norms")
_add(T, "sf.SGDScheduleFree", schedulefree.SGDScheduleFree, INV, "schedule-free SGD: z, y and the average x are linear in gradients", {"lr": 0.003})
_add(T, "sf.AdamWScheduleFree", schedulefree.AdamWScheduleFree, PM1, "schedule-free AdamW: per-coordinate second moment")
_add(T, "lion_pytorch.Lion", lion_pytorch.Lion, NOT, "Lion: sign of interpolated momentum")
# two-sided layer controls: W ∈ R^{3×d}
LAYER = {"model": "layer", "outputs": 3}
_add(T, "layer.SGD", torch.optim.SGD, INV, "G ↦ GUᵀ and G ↦ VG; SGD is linear", {**LAYER, "lr": 0.003}, output_symmetry=ORTH)
_add(T, "layer.Adam", torch.optim.Adam, PM1, "G_ki² = r_k² per row on ±1; per-entry statistics commute only with signed permutations of outputs",
     {**LAYER, "lr": 0.05}, output_symmetry=SPERM)
_add(T, "layer.RowAdaGrad", f"{TL}:RowAdaGrad", INV,
     "row accumulator Σ_i G_ki² = r_k²‖x‖²: invariant in x; r_k² per output commutes with signed permutations only",
     LAYER, output_symmetry=SPERM)
_add(T, "layer.ColumnNormSGD", f"{TL}:ColumnNormSGD", PM1,
     "G[:,j]/‖G[:,j]‖ = r sign(x_j)/‖r‖: pm1 on the input side; ‖Vr‖ = ‖r‖ so outputs are orthogonally equivariant",
     LAYER, output_symmetry=ORTH)
_add(T, "layer.MuonSVD", f"{TL}:MuonSVD", INV, "polar(VMUᵀ) = V polar(M) Uᵀ: both sides orthogonal", LAYER, output_symmetry=ORTH)
_add(T, "layer.FactoredSecondMoment", f"{TL}:FactoredSecondMoment", PM1,
     "col stat x_i²‖r‖² (uniform on ±1), row stat r_k²‖x‖²: pm1 inputs; per-row r_k² → signed-permutation outputs",
     LAYER, output_symmetry=SPERM)
_add(T, "layer.ShampooLike", f"{TL}:ShampooLike", INV, "L^{-1/4}GR^{-1/4}: L ↦ VLVᵀ, R ↦ URUᵀ — both sides orthogonal", LAYER, output_symmetry=ORTH)
_add(T, "layer.CoordinateClipSGD", f"{TL}:CoordinateClipSGD", PM1,
     "|G_ki| = |r_k| uniform in i on ±1: pm1 inputs; entry-wise clamp commutes with signed permutations of outputs",
     LAYER, output_symmetry=SPERM)

# ==================================================================================================
# 5. JAX / optax (same protocol in JAX; lr defaults to 0.05 where the factory requires one)
OPTAX = "optax"
_add(OPTAX, "optax.sgd", "optax:sgd", INV, "plain SGD", {"lr": 0.003})
_add(OPTAX, "optax.momentum_sgd", f"{OL}:momentum_sgd", INV, "heavy-ball SGD: linear in gradients")
_add(OPTAX, "optax.adam", "optax:adam", PM1, "per-coordinate second moment")
_add(OPTAX, "optax.adam_bf16_mu", f"{OL}:adam_bf16_mu", PM1,
     "Adam in exact arithmetic; bfloat16 first moment is rounding")
_add(OPTAX, "optax.adagrad", "optax:adagrad", PM1, "per-coordinate Σg² (isotropic initial accumulator)")
_add(OPTAX, "optax.rmsprop", "optax:rmsprop", PM1, "per-coordinate EMA of g²")
_add(OPTAX, "optax.lion", "optax:lion", NOT, "sign of interpolated momentum of several examples")
_add(OPTAX, "optax.sign_sgd", "optax:sign_sgd", PM1, "sign(r x) = sign(r)x on ±1 with one example/step")
_add(OPTAX, "optax.fromage", "optax:fromage", INV, "trust ratio ‖p‖/‖g‖ and scalar decay: norms only")
_add(OPTAX, "optax.adafactor", "optax:adafactor", PM1, "1×d is below min_dim_size_to_factor: per-coordinate v; parameter scale and clip are RMS norms")
_add(OPTAX, "optax.muon", "optax.contrib:muon", INV,
     "Newton–Schulz is an odd polynomial p(MMᵀ)M, exactly equivariant under M ↦ MUᵀ; Frobenius pre-normalisation", {"lr": 0.02})
_add(OPTAX, "optax.clip_global_sgd", f"{OL}:clipped_sgd", INV, "global-norm clipping then SGD")
_add(OPTAX, "optax.clip_value_sgd", f"{OL}:clipped_by_value_sgd", PM1, "per-coordinate clip; |g_i| = |r| on ±1 one example/step")
_add(OPTAX, "layer.optax.adam", "optax:adam", PM1, "per-entry second moment: pm1 inputs, signed-permutation outputs", LAYER, output_symmetry=SPERM)


BY_ID = {e.id: e for e in ENTRIES}
assert len(BY_ID) == len(ENTRIES), "duplicate ids"
