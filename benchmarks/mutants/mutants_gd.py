"""Mutants of online GD (``originals.gd``) and full-batch GD (``originals.gd_batch``).

Notation for the derivations: one example per step, g = r·x with r = x·w − y a scalar. On ±1 data
(scaled by s_x = max_t ‖x_t‖ = √d) every |x_i| = 1/√d, so ‖x‖₁ = √d, ‖x‖∞ = 1/√d and |g_i| = |r|/√d
for every i: per-coordinate statistics of a *single* gradient are scalars there, and d = ‖x_raw‖² is
itself in the Gram matrix. A full-batch gradient Σ_t r_t x_t mixes rows, and its per-coordinate
statistics are not Gram-determined: e.g. Z = H₄ (rows of the 4×4 Sylvester Hadamard matrix) and its
twin Z′ with row 1 negated have ZZᵀ = Z′Z′ᵀ = 4I, but Zᵀ1 = (4, 0, 0, 0) while Z′ᵀ1 = (2, 2, −2, 2)
(L1 norm 4 vs 8, max norm 4 vs 2).
"""

from __future__ import annotations

import numpy as np

try:
    from ._common import INV, NOT, PM1, batch_guard, guard, prep, truth
except ImportError:  # loaded by path: siblings are importable
    from _common import INV, NOT, PM1, batch_guard, guard, prep, truth

PASSES = 3


# ---------------------------------------------------------------------------------- clipping


@truth(INV, original="gd", kind="clip-global")
def gd_clip_global_l2(X_train, y_train, X_test, eta=0.5, c=0.2):
    """Global L2 clipping g·min(1, c/‖g‖₂) keeps invariance: ‖g‖₂ = |r|‖x‖₂ is an inner product, so
    the clipped step is still a Gram-determined multiple of x."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            g = g * min(1.0, c / max(float(np.linalg.norm(g)), 1e-300))  # MUTATION: clip by global L2 norm
            w = w + guard(r, x, -eta * g)
    return (Xt @ w) * sy


@truth(PM1, original="gd", kind="clip-per-coordinate")
def gd_clip_per_coord(X_train, y_train, X_test, eta=0.5, c=0.1):
    """Per-coordinate clipping np.clip(g, −c, c) is pm1-invariant, not worse: on ±1 rows every
    |g_i| = |r|/√d, so clip(g) = g·min(1, c√d/|r|), a Gram-determined scalar times g; on generic rows
    only the large coordinates are cut, which bends the step off x (not invariant)."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = np.clip(r * x, -c, c)  # MUTATION: clip each coordinate
            w = w + guard(r, x, -eta * g)
    return (Xt @ w) * sy


@truth(PM1, original="gd", kind="clip-global-max-norm")
def gd_clip_global_linf(X_train, y_train, X_test, eta=0.5, c=0.1):
    """Global clipping by the max norm, g·min(1, c/‖g‖∞): pm1-invariant. ‖g‖∞ = |r|·max_i|x_i| is not
    rotation invariant, but on ±1 rows it is |r|/√d, Gram-determined, and the step stays a multiple
    of x."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            g = g * min(1.0, c / max(float(np.max(np.abs(g))), 1e-300))  # MUTATION: max norm
            w = w + guard(r, x, -eta * g)
    return (Xt @ w) * sy


@truth(NOT, original="gd_batch", kind="clip-per-coordinate")
def gd_batch_clip_per_coord(X_train, y_train, X_test, eta=1.0, steps=30, c=0.02):
    """Per-coordinate clipping of a full-batch gradient: not-invariant. The batch gradient Σ r_t x_t /n
    has coordinates of different sizes even on ±1 data (H₄ example in the module docstring), so the
    clip cuts some coordinates and not others, and which ones differs between Gram twins."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    n = len(y)
    for _ in range(steps):
        g = np.clip(X.T @ (X @ w - y) / n, -c, c)  # MUTATION: clip each coordinate
        w = w - eta * g
    return (Xt @ w) * sy


# --------------------------------------------------------------------------- norms in step sizes


@truth(PM1, original="gd", kind="l1-step-size")
def gd_step_l1(X_train, y_train, X_test, eta=0.5):
    """Normalised GD with the wrong norm, w ← w − η g/‖g‖₁: pm1-invariant. With one example per step
    ‖g‖₁ = |r|‖x‖₁, and on ±1 rows ‖x‖₁ = √d (after scaling) is Gram-determined, so the step is a
    Gram-determined multiple of x; on generic rows ‖x‖₁ changes under rotation."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            w = w + guard(r, x, -eta * g / (float(np.abs(g).sum()) + 1e-12))  # MUTATION: ‖g‖₁
    return (Xt @ w) * sy


@truth(PM1, original="gd", kind="max-norm-step-size")
def gd_step_linf(X_train, y_train, X_test, eta=0.05):
    """Step size η/‖g‖∞ (a sign-GD-style normalisation): pm1-invariant for the same reason as the L1
    version: on ±1 rows ‖g‖∞ = |r|/√d."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            w = w + guard(r, x, -eta * g / (float(np.abs(g).max()) + 1e-12))  # MUTATION: ‖g‖∞
    return (Xt @ w) * sy


@truth(NOT, original="gd_batch", kind="l1-step-size")
def gd_batch_step_l1(X_train, y_train, X_test, eta=0.2, steps=30):
    """Full-batch GD normalised by ‖g‖₁: not-invariant. ‖Σ_t r_t x_t‖₁ is not Gram-determined on ±1
    data (H₄: 4 vs 8 for equal Gram matrices), so twins take steps of different lengths along the
    same (rotated) direction. The line-search guard is invariant and keeps it finite."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    n = len(y)
    for _ in range(steps):
        r = X @ w - y
        g = X.T @ r / n
        w = w + batch_guard(r, X, -eta * g / (float(np.abs(g).sum()) + 1e-12))  # MUTATION: ‖g‖₁
    return (Xt @ w) * sy


# ------------------------------------------------------------------------------ stopping rules


@truth(INV, original="gd_batch", kind="stop-on-norm")
def gd_batch_stop_l2(X_train, y_train, X_test, eta=1.0, steps=200, tol=3e-3):
    """Stop full-batch GD when ‖g‖₂ < tol: invariant. ‖g‖₂ is rotation invariant, so both sides stop
    at the same iteration."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    n = len(y)
    for _ in range(steps):
        g = X.T @ (X @ w - y) / n
        if np.linalg.norm(g) < tol:  # MUTATION: early stop on the L2 norm
            break
        w = w - eta * g
    return (Xt @ w) * sy


@truth(NOT, original="gd_batch", kind="stop-on-norm")
def gd_batch_stop_l1(X_train, y_train, X_test, eta=1.0, steps=200, tol=3e-3):
    """Stop full-batch GD when ‖g‖₁ < tol: not-invariant. ‖g‖₁ of a batch gradient is not
    Gram-determined even on ±1 data (H₄ example), so the stopping iteration — hence ŷ — differs on any
    pair of twins whose L1 norms straddle tol at some iteration (the ratio of the two norms varies
    with the labels, so such pairs exist)."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    n = len(y)
    for _ in range(steps):
        g = X.T @ (X @ w - y) / n
        if np.abs(g).sum() < tol:  # MUTATION: early stop on the L1 norm
            break
        w = w - eta * g
    return (Xt @ w) * sy


@truth(PM1, original="gd", kind="stop-on-norm")
def gd_stop_l1_online(X_train, y_train, X_test, eta=0.5, max_passes=30, tol=1e-2):
    """Online GD for up to 30 passes, stopping after a pass whose largest single step has L1 norm
    < tol: pm1-invariant. Each step is a multiple a_t x_t, so ‖step‖₁ = |a_t|‖x_t‖₁ = |a_t|√d on ±1
    rows (Gram-determined); on generic rows ‖x_t‖₁ changes under rotation and so can the pass count.
    (The L1 norm of the *sum* of a pass's steps would not be Gram-determined.)"""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    for _ in range(max_passes):
        biggest = 0.0
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            step = guard(r, x, -eta * r * x)
            biggest = max(biggest, float(np.abs(step).sum()))  # MUTATION: L1 norm of a step
            w = w + step
        if biggest < tol:
            break
    return (Xt @ w) * sy


# ------------------------------------------------------------------------------------- signs


@truth(PM1, original="gd", kind="sign")
def gd_sign_of_gradient(X_train, y_train, X_test, eta=0.05):
    """np.sign(g) where g was meant (sign-GD): pm1-invariant. On ±1 rows sign(r x) = sign(r)·√d·x
    (x scaled by 1/√d), a Gram-determined multiple of x; on generic rows sign(x) is not a rotation of
    anything."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            w = w + guard(r, x, -eta * np.sign(r * x))  # MUTATION: sign of the gradient
    return (Xt @ w) * sy


@truth(INV, original="gd", kind="sign-error")
def gd_residual_sign_error(X_train, y_train, X_test, eta=0.5):
    """Residual written y − ŷ with the update still w − η r x (a sign error: gradient ascent, with the
    overshoot guard disarmed). Invariant: a sign flip of the scalar r keeps w = Σ a_t x_t with
    Gram-determined a_t. Only one pass, so that the ascent stays below 1e6."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    for x, t in zip(X, y, strict=True):
        r = t - float(x @ w)  # MUTATION: sign error
        w = w + guard(r, x, -eta * r * x)
    return (Xt @ w) * sy


# ------------------------------------------------------------------------------ initialisation


@truth(NOT, original="gd", kind="nonzero-init")
def gd_init_const(X_train, y_train, X_test, eta=0.5, c=0.1):
    """w₀ = c·1 instead of 0: not-invariant. Then w = c1 + Σ a_t x_t and the prediction contains
    c·x_test·1, the row sum, which is not Gram-determined even on ±1 data (a twin that negates the
    rows of Hadamard class 0 on its columns K changes their sums by ±2k)."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.full(X.shape[1], c)  # MUTATION: constant initialisation
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            w = w + guard(r, x, -eta * r * x)
    return (Xt @ w) * sy


@truth(NOT, original="gd", kind="nonzero-init")
def gd_init_seeded_gaussian(X_train, y_train, X_test, eta=0.5, scale=0.1):
    """w₀ ~ N(0, σ²I) drawn from a fixed seed: deterministic and not-invariant. The prediction
    contains x_test·w₀ and the residuals x_t·w₀, projections on one fixed direction; a twin moves the
    rows of Z relative to w₀ (Z′w₀ ≠ Zw₀ for almost every w₀), even on ±1 data."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = scale * np.random.default_rng(0).standard_normal(X.shape[1])  # MUTATION: seeded random init
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            w = w + guard(r, x, -eta * r * x)
    return (Xt @ w) * sy


# ------------------------------------------------------------------------- feature preprocessing


@truth(NOT, original="gd", kind="centre-over-features")
def gd_centre_rows(X_train, y_train, X_test, eta=0.5):
    """Each input centred over its own coordinates, x ← x − mean(x)·1 (axis=1 where axis=0 was
    meant): not-invariant. This is x ↦ Px with P = I − 11ᵀ/d, so GD sees the Gram matrix
    ZPZᵀ = ZZᵀ − (Z1)(Z1)ᵀ/d, which depends on the row sums Z1; on ±1 twins that negate Hadamard class
    0 the row sums change while ZZᵀ does not. Invariant only under permutations (P commutes with
    them, not with sign flips)."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    X = X - X.mean(axis=1, keepdims=True)  # MUTATION: centring over features
    Xt = Xt - Xt.mean(axis=1, keepdims=True)
    w = np.zeros(X.shape[1])
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            w = w + guard(r, x, -eta * r * x)
    return (Xt @ w) * sy


@truth(PM1, original="gd", kind="per-coordinate-normalisation")
def gd_maxabs_scaler(X_train, y_train, X_test, eta=0.5):
    """Columns divided by their largest |entry| on the training rows (a MaxAbsScaler): pm1-invariant.
    On ±1 training rows every column's max |x_tj| is 1, so the scaler is the identity and the learner
    is GD; on generic rows it rescales coordinates by different factors (not invariant)."""
    X0 = np.asarray(X_train, float)
    colmax = np.abs(X0).max(axis=0)
    colmax[colmax == 0] = 1.0
    X_train, X_test = X0 / colmax, np.asarray(X_test, float) / colmax  # MUTATION: per-column scaling
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            w = w + guard(r, x, -eta * r * x)
    return (Xt @ w) * sy


@truth(NOT, original="gd", kind="per-coordinate-normalisation")
def gd_standard_scaler(X_train, y_train, X_test, eta=0.5):
    """Columns standardised with the training mean and standard deviation: not-invariant. Centring
    the columns alone is invariant (it is X ↦ (I − 11ᵀ/n)X, a map on rows), but dividing column j by
    σ_j = √(1 − μ_j²) on ±1 data uses per-column means μ_j that twins change (negating a class's rows
    on K changes the column means there), so the metric GD sees changes."""
    X0 = np.asarray(X_train, float)
    mu, sd = X0.mean(axis=0), X0.std(axis=0)
    sd[sd < 1e-12] = 1.0
    X_train, X_test = (X0 - mu) / sd, (np.asarray(X_test, float) - mu) / sd  # MUTATION: standardise
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            w = w + guard(r, x, -eta * r * x)
    return (Xt @ w) * sy


# ------------------------------------------------------------------------------ order of rows


@truth(NOT, original="gd", kind="tie-break-by-coordinate")
def gd_rows_sorted_by_first_feature(X_train, y_train, X_test, eta=0.5):
    """Rows visited in the order np.argsort(X[:, 0], kind="stable") (ties by row index): not-invariant.
    Online GD depends on the order of the rows, and the order is set by one coordinate; twins whose
    switched columns include column 0 flip x_t0 on some rows and reorder them, even on ±1 data."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    order = np.argsort(X[:, 0], kind="stable")  # MUTATION: order by a coordinate
    w = np.zeros(X.shape[1])
    for _ in range(PASSES):
        for x, t in zip(X[order], y[order], strict=True):
            r = float(x @ w) - t
            w = w + guard(r, x, -eta * r * x)
    return (Xt @ w) * sy


@truth(INV, original="gd", kind="row-order")
def gd_shuffled_fixed_seed(X_train, y_train, X_test, eta=0.5):
    """Rows shuffled each pass by a generator seeded with 0: invariant (and deterministic). The
    permutation depends on n only, not on the values of X, so both sides visit rows in the same
    order and each is GD."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    rng = np.random.default_rng(0)
    w = np.zeros(X.shape[1])
    for _ in range(PASSES):
        order = rng.permutation(len(y))  # MUTATION: shuffled order, data-independent
        for x, t in zip(X[order], y[order], strict=True):
            r = float(x @ w) - t
            w = w + guard(r, x, -eta * r * x)
    return (Xt @ w) * sy


@truth(INV, original="gd", kind="batch-instead-of-one")
def gd_minibatch(X_train, y_train, X_test, eta=0.5, batch=4):
    """Minibatches of 4 rows instead of one: still invariant for plain GD. The batch gradient
    Σ r_t x_t is a combination of inputs with inner-product coefficients, and the line-search guard
    uses inner products only. (Contrast adagrad_diag_minibatch.)"""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    for _ in range(PASSES):
        for i in range(0, len(y), batch):  # MUTATION: minibatches
            Xb, yb = X[i:i + batch], y[i:i + batch]
            r = Xb @ w - yb
            w = w + batch_guard(r, Xb, -eta * Xb.T @ r)
    return (Xt @ w) * sy


@truth(INV, original="gd", kind="weight-decay")
def gd_weight_decay(X_train, y_train, X_test, eta=0.5, lam=0.05):
    """L2 weight decay added to the gradient, g + λw: invariant for GD. w stays in the span of the
    inputs and w ↦ Uw, so g + λw ↦ U(g + λw). Without the overshoot guard (η‖x‖² ≤ 1/2 never
    overshoots): the step is no longer a multiple of r, and the guard's test r·δ < 0 would let the
    sign of a rounding-level residual decide between a full step and none."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            w = w - eta * (r * x + lam * w)  # MUTATION: coupled L2 (no guard: see docstring)
    return (Xt @ w) * sy


# ------------------------------------------------------------------------------------ precision


@truth(INV, original="gd", kind="float32")
def gd_float32(X_train, y_train, X_test, eta=0.5):
    """Everything cast to float32: invariant up to float32 rounding (~1e-7), which the contract counts
    as rounding, not as a violation: the arithmetic is GD's."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm", dtype=np.float32)  # MUTATION: float32
    eta = np.float32(eta)
    w = np.zeros(X.shape[1], dtype=np.float32)
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = x @ w - t
            step = -eta * r * x
            delta = x @ step
            if r * delta < 0 and abs(r) < abs(delta):
                step = step * (-r / delta)
            w = w + step
    return (Xt @ w).astype(np.float64) * sy


LEARNERS = [v for v in list(globals().values()) if callable(v) and hasattr(v, "true_verdict")]
TRUE = {f.__name__: f.true_verdict for f in LEARNERS}
