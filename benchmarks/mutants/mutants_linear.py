"""Mutants of the closed-form learners: ``originals.least_squares``, ``originals.ridge``, ``originals.vaw``.

Useful facts for the derivations. (i) A learner is invariant iff its predictions are a function of
the Gram matrix G = ZZᵀ of Z = [X_train; X_test] and of y. (ii) A map acting on *rows*, X ↦ MX
(column centring, (I − 11ᵀ/n)X), commutes with X ↦ XUᵀ; a map acting on *columns*, X ↦ XD, does not
unless D commutes with U. (iii) Appending a fixed feature (a constant 1) adds 11ᵀ to the Gram
matrix, which is invariant; appending a function of the coordinates (the row sum X1) adds
(Z1)(Z1)ᵀ, which is not Gram-determined even on ±1 data (Gram twins that negate Hadamard class 0
change row sums). (iv) On ±1 data diag(XᵀX) = n·I and max|x_ti| = 1.
"""

from __future__ import annotations

import numpy as np

try:
    from ._common import INV, NOT, PM1, stable_solve, truth
except ImportError:  # loaded by path: siblings are importable
    from _common import INV, NOT, PM1, stable_solve, truth


def _arrays(X_train, y_train, X_test):
    return np.asarray(X_train, float), np.asarray(y_train, float).reshape(-1), np.asarray(X_test, float)


# ------------------------------------------------------------------------------ least squares


@truth(INV, original="least_squares", kind="float32")
def least_squares_float32(X_train, y_train, X_test):
    """Least squares solved in float32: invariant up to float32 rounding, which the contract counts as
    rounding (the algorithm is min-norm least squares)."""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)  # MUTATION: float32
    w = np.linalg.lstsq(X32, y32, rcond=1e-5)[0]
    return (Xt.astype(np.float32) @ w).astype(np.float64)


@truth(NOT, original="least_squares", kind="tie-break-by-index")
def least_squares_top_k_svd(X_train, y_train, X_test):
    """Principal-component regression keeping the top k = ⌈rank/2⌉ singular directions of np.linalg.svd(X)
    (where the original keeps every direction above a relative threshold): not-invariant. With distinct
    singular values the kept subspace is unique and rotates with U (generic data: invariant), but
    when σ_k = σ_{k+1} (orthogonal ±1 rows: all singular values equal) the kept vectors are an
    arbitrary basis of the tied eigenspace, chosen by LAPACK from the entries of X — the tie is
    broken by the coordinates, and Gram twins (equal ZZᵀ) keep different subspaces."""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    U_, s, Vt = np.linalg.svd(X, full_matrices=False)
    rank = int(np.sum(s > 1e-10 * s[0])) if s.size and s[0] > 0 else 0
    k = (rank + 1) // 2  # MUTATION: a fixed count, ties at the cut broken by LAPACK's basis
    if k == 0:
        return np.zeros(len(Xt))
    w = Vt[:k].T @ ((U_[:, :k].T @ y) / s[:k])
    return Xt @ w


@truth(INV, original="least_squares", kind="tie-break-by-index")
def least_squares_top_k_gram(X_train, y_train, X_test):
    """The same top-⌈rank/2⌉ principal-component regression computed in dual form from eigh of the
    Gram matrix XXᵀ and the test kernel X_test Xᵀ: invariant. Every quantity it reads is an entry of
    the Gram matrix, and twins have the same Gram matrix bit for bit (exact integers), so even a tie
    is broken identically on both sides: ŷ = F(G, y). (Near a tie on generic data the answer is
    ill-conditioned: rounding alone can flip the kept subspace.)"""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    K = X @ X.T
    lam, V = np.linalg.eigh(K)  # ascending
    lam, V = lam[::-1], V[:, ::-1]
    rank = int(np.sum(lam > 1e-10 * lam[0])) if lam.size and lam[0] > 0 else 0
    k = (rank + 1) // 2  # MUTATION: a fixed count
    if k == 0:
        return np.zeros(len(Xt))
    alpha = V[:, :k] @ ((V[:, :k].T @ y) / lam[:k])  # w = Xᵀα
    return (Xt @ X.T) @ alpha


# ------------------------------------------------------------------------------------- ridge


@truth(NOT, original="ridge", kind="partial-ridge")
def ridge_skip_first_coordinate(X_train, y_train, X_test, lam=0.1):
    """Ridge penalty on every coordinate but the first (the first column was thought to be a bias):
    not-invariant. A = XᵀX + λD with D = diag(0, 1, …, 1) ↦ UXᵀXUᵀ + λD ≠ U A Uᵀ unless U fixes e₁;
    twins that switch column 0 change the solution even on ±1 data."""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    D = np.eye(X.shape[1])
    D[0, 0] = 0.0  # MUTATION: first coordinate unpenalised
    A = X.T @ X + lam * D
    return Xt @ stable_solve(A, X.T @ y)


@truth(PM1, original="ridge", kind="per-coordinate-normalisation")
def ridge_penalty_scaled_by_diag(X_train, y_train, X_test, lam=0.1):
    """Penalty λ·(diag(XᵀX) + 1e-8) instead of λI (a "scale-aware" ridge): pm1-invariant. On ±1 training
    rows diag(XᵀX) = n·I, a scalar, so it is ridge with λ(n + 1e-8); on generic data the per-column
    sums of squares change under rotation."""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    A = X.T @ X
    A = A + lam * np.diag(np.diag(A) + 1e-8)  # MUTATION: per-coordinate penalty
    return Xt @ stable_solve(A, X.T @ y)


@truth(INV, original="ridge", kind="scalar-hyperparameter")
def ridge_penalty_scaled_by_trace(X_train, y_train, X_test, lam=0.1):
    """Penalty λ·tr(XᵀX)/d·I: invariant. The trace is the sum of squared norms of the rows (and d is
    the same on both sides), so the penalty is a rotation-invariant scalar."""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    A = X.T @ X
    A = A + lam * (np.trace(A) / X.shape[1] + 1e-8) * np.eye(X.shape[1])  # MUTATION: scaled by trace
    return Xt @ stable_solve(A, X.T @ y)


@truth(INV, original="ridge", kind="centring-columns")
def ridge_centre_columns(X_train, y_train, X_test, lam=0.1):
    """Columns centred by the training means, labels by their mean, intercept = ȳ (what a
    fit_intercept does): invariant. X − 1μᵀ = (I − 11ᵀ/n)X acts on rows, μ ↦ Uμ, so the centred data
    is rotated data and ridge is invariant."""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    mu, ybar = X.mean(axis=0), y.mean()
    Xc = X - mu  # MUTATION: centre the columns
    A = Xc.T @ Xc + lam * np.eye(X.shape[1])
    return (Xt - mu) @ stable_solve(A, Xc.T @ (y - ybar)) + ybar


@truth(NOT, original="ridge", kind="per-coordinate-normalisation")
def ridge_standardise_columns(X_train, y_train, X_test, lam=0.1):
    """Columns standardised (StandardScaler, then ridge): not-invariant. The division by σ_j is a
    column map X ↦ XD; ridge's penalty is not invariant under it. On ±1 data σ_j = √(1 − μ_j²) with
    μ_j the column means, which Gram twins change, so the two twins are fitted in different metrics."""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd < 1e-12] = 1.0
    Xs, Xts = (X - mu) / sd, (Xt - mu) / sd  # MUTATION: standardise
    A = Xs.T @ Xs + lam * np.eye(X.shape[1])
    return Xts @ stable_solve(A, Xs.T @ (y - y.mean())) + y.mean()


@truth(INV, original="ridge", kind="intercept-column")
def ridge_intercept_ones(X_train, y_train, X_test, lam=0.1):
    """A constant feature 1 appended for the intercept (penalised like the others): invariant. The
    appended column is not rotated, and the augmented Gram matrix is ZZᵀ + 11ᵀ."""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    Xa = np.hstack([X, np.ones((len(X), 1))])  # MUTATION: bias column
    Xta = np.hstack([Xt, np.ones((len(Xt), 1))])
    A = Xa.T @ Xa + lam * np.eye(Xa.shape[1])
    return Xta @ stable_solve(A, Xa.T @ y)


@truth(NOT, original="ridge", kind="row-sum")
def ridge_intercept_rowsum(X_train, y_train, X_test, lam=0.1):
    """The "bias" column built as X.sum(axis=1, keepdims=True) where np.ones was meant: not-invariant.
    Ridge on [X, X1] has kernel ZZᵀ + (Z1)(Z1)ᵀ, and the row sums Z1 are not Gram-determined, even on
    ±1 data (twins negating Hadamard class 0)."""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    Xa = np.hstack([X, X.sum(axis=1, keepdims=True)])  # MUTATION: row sums instead of ones
    Xta = np.hstack([Xt, Xt.sum(axis=1, keepdims=True)])
    A = Xa.T @ Xa + lam * np.eye(Xa.shape[1])
    return Xta @ stable_solve(A, Xa.T @ y)


@truth(INV, original="ridge", kind="tie-break-by-index")
def ridge_columns_sorted_by_variance(X_train, y_train, X_test, lam=0.1):
    """Columns reordered by decreasing training variance (np.argsort, ties by index) before ridge:
    invariant. Whatever permutation P the data picks, it is applied to train and test alike, and
    (ZP)(ZP)ᵀ = ZZᵀ; ridge with λI never sees the order of the columns."""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    order = np.argsort(-X.var(axis=0), kind="stable")  # MUTATION: data-dependent column order
    X, Xt = X[:, order], Xt[:, order]
    A = X.T @ X + lam * np.eye(X.shape[1])
    return Xt @ stable_solve(A, X.T @ y)


@truth(NOT, original="ridge", kind="tie-break-by-index")
def ridge_top_variance_features(X_train, y_train, X_test, lam=0.1):
    """Ridge on the ⌈d/2⌉ columns of largest training variance (argsort, ties by index): not-invariant.
    Dropping columns is a coordinate projection; on ±1 data column variances 1 − μ_j² differ between
    columns and between twins (and equal ones are tied and broken by index), so twins keep different
    coordinates."""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    k = (X.shape[1] + 1) // 2
    keep = np.argsort(-X.var(axis=0), kind="stable")[:k]  # MUTATION: feature selection by a statistic
    X, Xt = X[:, keep], Xt[:, keep]
    A = X.T @ X + lam * np.eye(k)
    return Xt @ stable_solve(A, X.T @ y)


@truth(PM1, original="ridge", kind="small-per-coordinate-term")
def ridge_jitter_by_diag(X_train, y_train, X_test, lam=0.1):
    """A "numerical stability" jitter proportional to the diagonal, A[diag] += 1e-6·diag(XᵀX): pm1-invariant,
    and only just. On ±1 rows diag(XᵀX) = n·I, so the jitter is a scalar; on generic rows it is a
    per-coordinate penalty of relative size ~1e-6, so the violation is ~1e-7 (far above float64
    rounding, far below the original's effects)."""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    A = X.T @ X
    A = A + 1e-6 * np.diag(np.diag(A)) + lam * np.eye(X.shape[1])  # MUTATION: diagonal jitter
    return Xt @ stable_solve(A, X.T @ y)


@truth(NOT, original="ridge", kind="binary-fast-path")
def ridge_binary_01_fast_path(X_train, y_train, X_test, lam=0.1):
    """A "fast path" for binary features: when every entry is ±1, recode as 0/1 bits, (x + 1)/2, and fit
    ridge on the bits. Not-invariant: generic data takes the ridge path (invariant), but on ±1 data
    the bits' Gram matrix (ZZᵀ + (Z1)1ᵀ + 1(Z1)ᵀ + d11ᵀ)/4 depends on the row sums Z1, which Gram twins
    change; a rotation of ±1 data also switches from one path to the other."""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    if np.all(np.abs(X) == 1) and np.all(np.abs(Xt) == 1):  # MUTATION: binary fast path
        X, Xt = (X + 1) / 2, (Xt + 1) / 2
    A = X.T @ X + lam * np.eye(X.shape[1])
    return Xt @ stable_solve(A, X.T @ y)


@truth(INV, original="least_squares", kind="float32", precision="float32")
def least_squares_weights_float32(X_train, y_train, X_test):
    """Least squares in float64 whose weights are stored in float32 (w.astype(np.float32)) before
    predicting: invariant up to float32 rounding of w (~6e-8 relative), which is rounding, not a
    violation — at float32 precision. The inputs are not cast, so the checker cannot recognise a
    float32 learner by its inputs; the precision is declared (@learner(precision="float32")). Left
    undeclared it is judged at float64, where the contract counts float32 rounding of w (a
    per-coordinate rounding to a grid) as a numerical violation, as it does for Muon's bfloat16."""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    w = np.linalg.lstsq(X, y, rcond=1e-10)[0].astype(np.float32)  # MUTATION: float32 weights
    return Xt @ w.astype(np.float64)


# --------------------------------------------------------------------------------------- VAW


@truth(PM1, original="vaw", kind="max-norm-hyperparameter")
def vaw_eps_by_max_entry(X_train, y_train, X_test, eps=1.0):
    """VAW with ε made "unit-aware" as ε·max|x_ti|²: pm1-invariant. max|x_ti| is invariant under
    signed permutations only, but it is 1 on ±1 data, where this is VAW with ε."""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    e = eps * max(float(np.max(np.abs(X))) ** 2, 1e-12)  # MUTATION: max-norm scaling of ε
    A = X.T @ X + e * np.eye(X.shape[1])
    w = stable_solve(A, X.T @ y)
    Z = stable_solve(A, Xt.T)
    return (Xt @ w) / (1.0 + np.einsum("ij,ji->i", Xt, Z))


@truth(NOT, original="vaw", kind="centre-over-features")
def vaw_centre_rows(X_train, y_train, X_test, eps=1.0):
    """VAW on inputs centred over their coordinates (x − mean(x)·1): not-invariant, as for GD: the
    learner sees ZPZᵀ = ZZᵀ − (Z1)(Z1)ᵀ/d, which depends on row sums."""
    X, y, Xt = _arrays(X_train, y_train, X_test)
    X = X - X.mean(axis=1, keepdims=True)  # MUTATION: centring over features
    Xt = Xt - Xt.mean(axis=1, keepdims=True)
    A = X.T @ X + eps * np.eye(X.shape[1])
    w = stable_solve(A, X.T @ y)
    Z = stable_solve(A, Xt.T)
    return (Xt @ w) / (1.0 + np.einsum("ij,ji->i", Xt, Z))


LEARNERS = [v for v in list(globals().values()) if callable(v) and hasattr(v, "true_verdict")]
TRUE = {f.__name__: f.true_verdict for f in LEARNERS}
