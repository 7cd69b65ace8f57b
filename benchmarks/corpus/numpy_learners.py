"""Plain NumPy learners ``f(X_train, y_train, X_test) -> y_hat`` for the labelled corpus.

Each function is written the way its algorithm is usually written; its true verdict and the one-line
argument for it live in :mod:`benchmarks.corpus.labels`, not here. Conventions of the online loops:
square loss ½(x·w − y)², one example per step in the given order, ``passes`` passes, and inputs
scaled by one scalar — ``max_t ‖x_t‖₂`` for the rotation-invariant rules (itself invariant) or
``max_{t,i} |x_ti|`` for the per-coordinate ones (1 on ±1 data) — so that fixed step sizes are
dimensionless. Labels are scaled by ``max |y|`` where a rule needs it.
"""

from __future__ import annotations

import numpy as np

# --------------------------------------------------------------------------------------------------
# helpers


def _data(X_train, y_train, X_test):
    X = np.array(X_train, dtype=np.float64, copy=True)
    y = np.array(y_train, dtype=np.float64, copy=True).reshape(-1)
    Xt = np.array(X_test, dtype=np.float64, copy=True)
    return X, y, Xt


def _norm_scale(X):
    s = float(np.sqrt(np.max(np.einsum("ij,ij->i", X, X)))) if X.size else 0.0
    return s if s > 0 else 1.0


def _entry_scale(X):
    s = float(np.max(np.abs(X))) if X.size else 0.0
    return s if s > 0 else 1.0


def _label_scale(y):
    s = float(np.max(np.abs(y))) if y.size else 0.0
    return s if s > 0 else 1.0


def _online(X_train, y_train, X_test, step, *, passes=3, scale="norm", w0=None, batch=1, scale_y=False):
    """Run ``w ← step(w, g, state, t)`` on the (mini-batch mean) gradient ``g`` of the square loss."""
    X, y, Xt = _data(X_train, y_train, X_test)
    n, d = X.shape
    sx = _norm_scale(X) if scale == "norm" else _entry_scale(X) if scale == "entry" else 1.0
    sy = _label_scale(y) if scale_y else 1.0
    X, y, Xt = X / sx, y / sy, Xt / sx
    w = np.zeros(d) if w0 is None else np.array(w0(d), dtype=np.float64)
    state: dict = {}
    t = 0
    for _ in range(passes):
        for start in range(0, n, batch):
            xb, yb = X[start : start + batch], y[start : start + batch]
            r = xb @ w - yb
            g = xb.T @ r / len(yb)
            t += 1
            w = step(w, g, state, t)
    return (Xt @ w) * sy


def _krr(K, Kt, y, lam):
    alpha = np.linalg.solve(K + lam * np.eye(len(y)), y)
    return Kt @ alpha


def _sqdist(A, B):
    return np.sum((A[:, None, :] - B[None, :, :]) ** 2, axis=-1)


def _ridge_w(X, y, lam):
    d = X.shape[1]
    return np.linalg.solve(X.T @ X + lam * np.eye(d), X.T @ y)


# --------------------------------------------------------------------------------------------------
# closed forms


def ridge(X_train, y_train, X_test):
    """Ridge regression, λ = 0.1: w = (XᵀX + λI)⁻¹Xᵀy."""
    X, y, Xt = _data(X_train, y_train, X_test)
    return Xt @ _ridge_w(X, y, 0.1)


def min_norm_least_squares(X_train, y_train, X_test):
    """Minimum-norm least squares: w = X⁺y (SVD pseudo-inverse)."""
    X, y, Xt = _data(X_train, y_train, X_test)
    return Xt @ (np.linalg.pinv(X) @ y)


def ridge_dual(X_train, y_train, X_test):
    """Ridge in the dual: α = (XXᵀ + λI)⁻¹y, ŷ = X_test Xᵀ α."""
    X, y, Xt = _data(X_train, y_train, X_test)
    alpha = np.linalg.solve(X @ X.T + 0.1 * np.eye(len(y)), y)
    return Xt @ X.T @ alpha


def ols_with_intercept(X_train, y_train, X_test):
    """Least squares with an intercept: centre X and y by their training means, min-norm LS."""
    X, y, Xt = _data(X_train, y_train, X_test)
    mu, my = X.mean(0), y.mean()
    w = np.linalg.lstsq(X - mu, y - my, rcond=None)[0]
    return my + (Xt - mu) @ w


def kernel_ridge_rbf(X_train, y_train, X_test):
    """Kernel ridge, Gaussian kernel exp(−‖x − x′‖²/(2d)), λ = 0.1."""
    X, y, Xt = _data(X_train, y_train, X_test)
    d = X.shape[1]
    return _krr(np.exp(-_sqdist(X, X) / (2 * d)), np.exp(-_sqdist(Xt, X) / (2 * d)), y, 0.1)


def kernel_ridge_poly(X_train, y_train, X_test):
    """Kernel ridge, polynomial kernel (1 + ⟨x, x′⟩/d)³, λ = 0.1."""
    X, y, Xt = _data(X_train, y_train, X_test)
    d = X.shape[1]
    return _krr((1 + X @ X.T / d) ** 3, (1 + Xt @ X.T / d) ** 3, y, 0.1)


def kernel_ridge_laplacian_l1(X_train, y_train, X_test):
    """Kernel ridge, Laplacian kernel on the L1 distance exp(−‖x − x′‖₁/d), λ = 0.1."""
    X, y, Xt = _data(X_train, y_train, X_test)
    d = X.shape[1]

    def k(A, B):
        return np.exp(-np.sum(np.abs(A[:, None, :] - B[None, :, :]), axis=-1) / d)

    return _krr(k(X, X), k(Xt, X), y, 0.1)


def kernel_ridge_laplacian_l2(X_train, y_train, X_test):
    """Kernel ridge, exponential kernel on the Euclidean distance exp(−‖x − x′‖₂/√d), λ = 0.1."""
    X, y, Xt = _data(X_train, y_train, X_test)
    d = X.shape[1]

    def k(A, B):
        return np.exp(-np.sqrt(np.maximum(_sqdist(A, B), 0.0)) / np.sqrt(d))

    return _krr(k(X, X), k(Xt, X), y, 0.1)


def kernel_ridge_cubed_features(X_train, y_train, X_test):
    """Kernel ridge with k(x, x′) = ⟨x⊙x⊙x, x′⊙x′⊙x′⟩/d, λ = 1."""
    X, y, Xt = _data(X_train, y_train, X_test)
    d = X.shape[1]
    F, Ft = X**3, Xt**3
    return _krr(F @ F.T / d, Ft @ F.T / d, y, 1.0)


def _knn(D, y, k):
    """Mean label of the k nearest training points; ties broken by training index (stable sort)."""
    k = min(k, D.shape[1])
    idx = np.argsort(D, axis=1, kind="stable")[:, :k]
    return y[idx].mean(axis=1)


def knn_euclidean(X_train, y_train, X_test):
    """3 nearest neighbours, Euclidean distance, ties broken by training index."""
    X, y, Xt = _data(X_train, y_train, X_test)
    return _knn(_sqdist(Xt, X), y, 3)


def knn_tiebreak_first_coordinate(X_train, y_train, X_test):
    """3 nearest neighbours, Euclidean distance, ties broken by the neighbour's first coordinate."""
    X, y, Xt = _data(X_train, y_train, X_test)
    D = _sqdist(Xt, X)
    k = min(3, len(y))
    out = np.empty(len(Xt))
    for i in range(len(Xt)):
        order = np.lexsort((X[:, 0], D[i]))  # primary key: distance; secondary: x_0
        out[i] = y[order[:k]].mean()
    return out


def knn_manhattan(X_train, y_train, X_test):
    """3 nearest neighbours, L1 (Manhattan) distance, ties broken by training index."""
    X, y, Xt = _data(X_train, y_train, X_test)
    D = np.sum(np.abs(Xt[:, None, :] - X[None, :, :]), axis=-1)
    return _knn(D, y, 3)


def knn_chebyshev(X_train, y_train, X_test):
    """3 nearest neighbours, L∞ (Chebyshev) distance, ties broken by training index."""
    X, y, Xt = _data(X_train, y_train, X_test)
    D = np.max(np.abs(Xt[:, None, :] - X[None, :, :]), axis=-1)
    return _knn(D, y, 3)


def knn_cosine(X_train, y_train, X_test):
    """3 nearest neighbours by cosine similarity (largest first), ties broken by training index."""
    X, y, Xt = _data(X_train, y_train, X_test)
    A = X / (np.linalg.norm(X, axis=1, keepdims=True) + 1e-12)
    B = Xt / (np.linalg.norm(Xt, axis=1, keepdims=True) + 1e-12)
    return _knn(-(B @ A.T), y, 3)


def nadaraya_watson(X_train, y_train, X_test):
    """Nadaraya–Watson with a Gaussian kernel of bandwidth √d (log-sum-exp stabilised)."""
    X, y, Xt = _data(X_train, y_train, X_test)
    d = X.shape[1]
    L = -_sqdist(Xt, X) / (2 * d)
    L -= L.max(axis=1, keepdims=True)
    W = np.exp(L)
    return (W @ y) / W.sum(axis=1)


def zca_whitened_ridge(X_train, y_train, X_test):
    """Ridge on ZCA-whitened inputs: x ↦ (XᵀX/n + 0.1 I)^{-1/2} x, then ridge λ = 0.1."""
    X, y, Xt = _data(X_train, y_train, X_test)
    n, d = X.shape
    S = X.T @ X / n + 0.1 * np.eye(d)
    ev, V = np.linalg.eigh(S)
    W = (V / np.sqrt(ev)) @ V.T
    Xw, Xtw = X @ W, Xt @ W
    return Xtw @ _ridge_w(Xw, y, 0.1)


def standardized_ridge(X_train, y_train, X_test):
    """Ridge after per-feature standardisation (StandardScaler: each column to mean 0, std 1)."""
    X, y, Xt = _data(X_train, y_train, X_test)
    mu, sd = X.mean(0), X.std(0)
    sd = np.where(sd > 0, sd, 1.0)
    Z, Zt = (X - mu) / sd, (Xt - mu) / sd
    return y.mean() + Zt @ _ridge_w(Z, y - y.mean(), 0.1)


def maxabs_scaled_ridge(X_train, y_train, X_test):
    """Ridge after per-feature max-abs scaling (MaxAbsScaler: column j divided by max_t |x_tj|)."""
    X, y, Xt = _data(X_train, y_train, X_test)
    s = np.max(np.abs(X), axis=0)
    s = np.where(s > 0, s, 1.0)
    return (Xt / s) @ _ridge_w(X / s, y, 0.1)


def pca_regression_top1(X_train, y_train, X_test):
    """Principal-component regression on the top right singular vector of X_train (np.linalg.svd)."""
    X, y, Xt = _data(X_train, y_train, X_test)
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    v = Vt[0]
    z = X @ v
    c = (z @ y) / (z @ z) if z @ z > 0 else 0.0
    return (Xt @ v) * c


def newton_logcosh(X_train, y_train, X_test):
    """Newton's method (10 steps) on Σ log cosh(x·w − y) + ½‖w‖²."""
    X, y, Xt = _data(X_train, y_train, X_test)
    d = X.shape[1]
    w = np.zeros(d)
    for _ in range(10):
        r = X @ w - y
        g = X.T @ np.tanh(r) + w
        h = 1.0 - np.tanh(r) ** 2
        H = X.T @ (h[:, None] * X) + np.eye(d)
        w = w - np.linalg.solve(H, g)
    return Xt @ w


def mean_of_labels(X_train, y_train, X_test):
    """Predict the mean training label everywhere."""
    X, y, Xt = _data(X_train, y_train, X_test)
    return np.full(len(Xt), y.mean())


def median_of_labels(X_train, y_train, X_test):
    """Predict the median training label everywhere."""
    X, y, Xt = _data(X_train, y_train, X_test)
    return np.full(len(Xt), np.median(y))


def ridge_nan_from_d10(X_train, y_train, X_test):
    """Ridge (λ = 0.1), but NaN whenever d ≥ 10 (a solver that gives up on wide problems)."""
    X, y, Xt = _data(X_train, y_train, X_test)
    if X.shape[1] >= 10:
        return np.full(len(Xt), np.nan)
    return Xt @ _ridge_w(X, y, 0.1)


def ridge_plus_tiny_coordinate(X_train, y_train, X_test):
    """Ridge (λ = 0.1) plus 1e-6 · x_test[0]."""
    X, y, Xt = _data(X_train, y_train, X_test)
    return Xt @ _ridge_w(X, y, 0.1) + 1e-6 * Xt[:, 0]


def ridge_explicit_inverse(X_train, y_train, X_test):
    """Ridge with λ = 1e-6 through an explicit matrix inverse (rounding-noisy on ill-conditioned data)."""
    X, y, Xt = _data(X_train, y_train, X_test)
    d = X.shape[1]
    A = np.linalg.inv(X.T @ X + 1e-6 * np.eye(d))
    return Xt @ (A @ (X.T @ y))


def ridge_float32(X_train, y_train, X_test):
    """Ridge (λ = 0.1) computed entirely in float32."""
    X, y, Xt = (a.astype(np.float32) for a in _data(X_train, y_train, X_test))
    d = X.shape[1]
    w = np.linalg.solve(X.T @ X + np.float32(0.1) * np.eye(d, dtype=np.float32), X.T @ y)
    return (Xt @ w).astype(np.float64)


# --------------------------------------------------------------------------------------------------
# online and iterative loops


def gd_online(X_train, y_train, X_test):
    """Online GD from w = 0, step 0.5 (inputs scaled by max ‖x‖₂), 3 passes."""
    return _online(X_train, y_train, X_test, lambda w, g, s, t: w - 0.5 * g)


def gd_full_batch(X_train, y_train, X_test):
    """Full-batch GD on ½‖Xw − y‖², step 1/‖X‖_F², 100 iterations from w = 0."""
    X, y, Xt = _data(X_train, y_train, X_test)
    eta = 1.0 / max(float(np.sum(X * X)), 1e-12)
    w = np.zeros(X.shape[1])
    for _ in range(100):
        w = w - eta * (X.T @ (X @ w - y))
    return Xt @ w


def heavy_ball(X_train, y_train, X_test):
    """Online heavy-ball momentum: v ← 0.9 v + g, w ← w − 0.2 v."""

    def step(w, g, s, t):
        s["v"] = 0.9 * s.get("v", 0.0) + g
        return w - 0.2 * s["v"]

    return _online(X_train, y_train, X_test, step)


def nesterov(X_train, y_train, X_test):
    """Online Nesterov momentum (PyTorch form): v ← 0.9 v + g, w ← w − 0.2 (g + 0.9 v)."""

    def step(w, g, s, t):
        s["v"] = 0.9 * s.get("v", 0.0) + g
        return w - 0.2 * (g + 0.9 * s["v"])

    return _online(X_train, y_train, X_test, step)


def normalized_gd(X_train, y_train, X_test):
    """Online GD on the L2-normalised gradient: w ← w − (0.3/√t) g/‖g‖₂."""

    def step(w, g, s, t):
        n = np.linalg.norm(g)
        return w - (0.3 / np.sqrt(t)) * g / n if n > 0 else w

    return _online(X_train, y_train, X_test, step, scale_y=True)


def linf_normalized_gd(X_train, y_train, X_test):
    """Online GD on the L∞-normalised gradient: w ← w − (0.3/√t) g/‖g‖_∞."""

    def step(w, g, s, t):
        n = np.max(np.abs(g))
        return w - (0.3 / np.sqrt(t)) * g / n if n > 0 else w

    return _online(X_train, y_train, X_test, step, scale="entry", scale_y=True)


def l1_normalized_gd(X_train, y_train, X_test):
    """Online GD on the L1-normalised gradient: w ← w − (0.3/√t) g/‖g‖₁."""

    def step(w, g, s, t):
        n = np.sum(np.abs(g))
        return w - (0.3 / np.sqrt(t)) * g / n if n > 0 else w

    return _online(X_train, y_train, X_test, step, scale="entry", scale_y=True)


def global_norm_clip_gd(X_train, y_train, X_test):
    """Online GD with the gradient clipped to global L2 norm 0.2: g · min(1, 0.2/‖g‖₂), step 0.5."""

    def step(w, g, s, t):
        n = np.linalg.norm(g)
        return w - 0.5 * g * min(1.0, 0.2 / n) if n > 0 else w

    return _online(X_train, y_train, X_test, step)


def coordinate_clip_gd(X_train, y_train, X_test):
    """Online GD with each gradient coordinate clipped to [−0.1, 0.1], step 0.5."""
    return _online(X_train, y_train, X_test, lambda w, g, s, t: w - 0.5 * np.clip(g, -0.1, 0.1),
                   scale="entry", scale_y=True)


def coordinate_clip_gd_full_batch(X_train, y_train, X_test):
    """Full-batch GD, each coordinate of the mean gradient clipped to ±½·RMS(g), step 0.5, 30 steps."""
    X, y, Xt = _data(X_train, y_train, X_test)
    sx, sy = _entry_scale(X), _label_scale(y)
    X, y, Xt = X / sx, y / sy, Xt / sx
    d = X.shape[1]
    w = np.zeros(d)
    for _ in range(30):
        g = X.T @ (X @ w - y) / len(y)
        c = 0.5 * np.linalg.norm(g) / np.sqrt(d)
        w = w - (0.5 / d) * np.clip(g, -c, c)
    return (Xt @ w) * sy


def adagrad_diagonal(X_train, y_train, X_test):
    """Diagonal AdaGrad, one example per step: s ← s + g⊙g, w ← w − 0.5 g/(√s + 1e-10)."""

    def step(w, g, s, t):
        s["s"] = s.get("s", 0.0) + g * g
        return w - 0.5 * g / (np.sqrt(s["s"]) + 1e-10)

    return _online(X_train, y_train, X_test, step, scale="entry", scale_y=True)


def adam(X_train, y_train, X_test):
    """Adam (β = 0.9, 0.999, ε = 1e-8, lr 0.05) with bias correction, one example per step."""

    def step(w, g, s, t):
        s["m"] = 0.9 * s.get("m", 0.0) + 0.1 * g
        s["v"] = 0.999 * s.get("v", 0.0) + 0.001 * g * g
        mh, vh = s["m"] / (1 - 0.9**t), s["v"] / (1 - 0.999**t)
        return w - 0.05 * mh / (np.sqrt(vh) + 1e-8)

    return _online(X_train, y_train, X_test, step, scale="entry", scale_y=True)


def rmsprop(X_train, y_train, X_test):
    """RMSprop (α = 0.99, ε = 1e-8, lr 0.02), one example per step."""

    def step(w, g, s, t):
        s["v"] = 0.99 * s.get("v", 0.0) + 0.01 * g * g
        return w - 0.02 * g / (np.sqrt(s["v"]) + 1e-8)

    return _online(X_train, y_train, X_test, step, scale="entry", scale_y=True)


def adam_full_batch(X_train, y_train, X_test):
    """Adam (lr 0.05) on the full-batch mean gradient, 30 steps."""

    def step(w, g, s, t):
        s["m"] = 0.9 * s.get("m", 0.0) + 0.1 * g
        s["v"] = 0.999 * s.get("v", 0.0) + 0.001 * g * g
        mh, vh = s["m"] / (1 - 0.9**t), s["v"] / (1 - 0.999**t)
        return w - 0.05 * mh / (np.sqrt(vh) + 1e-8)

    n = len(np.asarray(y_train).reshape(-1))
    return _online(X_train, y_train, X_test, step, passes=30, batch=max(n, 1), scale="entry", scale_y=True)


def adagrad_minibatch2(X_train, y_train, X_test):
    """Diagonal AdaGrad on mini-batches of 2 examples (mean gradient), 3 passes."""

    def step(w, g, s, t):
        s["s"] = s.get("s", 0.0) + g * g
        return w - 0.5 * g / (np.sqrt(s["s"]) + 1e-10)

    return _online(X_train, y_train, X_test, step, batch=2, scale="entry", scale_y=True)


def adagrad_norm(X_train, y_train, X_test):
    """AdaGrad-norm (one scalar step size): b² ← b² + ‖g‖², w ← w − 0.5 g/b."""

    def step(w, g, s, t):
        s["b2"] = s.get("b2", 0.0) + float(g @ g)
        return w - 0.5 * g / (np.sqrt(s["b2"]) + 1e-10)

    return _online(X_train, y_train, X_test, step, scale_y=True)


def adagrad_full_matrix(X_train, y_train, X_test):
    """Full-matrix AdaGrad: G ← G + ggᵀ, w ← w − 0.5 (0.01 I + G)^{-1/2} g."""

    def step(w, g, s, t):
        s["G"] = s.get("G", 0.0) + np.outer(g, g)
        ev, V = np.linalg.eigh(0.01 * np.eye(len(g)) + s["G"])
        return w - 0.5 * (V / np.sqrt(ev)) @ (V.T @ g)

    return _online(X_train, y_train, X_test, step, scale_y=True)


def sign_sgd_online(X_train, y_train, X_test):
    """signSGD, one example per step: w ← w − (0.1/√t) sign(g)."""
    return _online(X_train, y_train, X_test, lambda w, g, s, t: w - (0.1 / np.sqrt(t)) * np.sign(g),
                   scale="entry", scale_y=True)


def sign_sgd_full_batch(X_train, y_train, X_test):
    """signSGD on the full-batch mean gradient: w ← w − (0.1/√t) sign(Σ r_j x_j), 20 steps."""
    n = len(np.asarray(y_train).reshape(-1))
    return _online(X_train, y_train, X_test, lambda w, g, s, t: w - (0.1 / np.sqrt(t)) * np.sign(g),
                   passes=20, batch=max(n, 1), scale="entry", scale_y=True)


def egu_overflowing(X_train, y_train, X_test):
    """EGU with a fixed step and no input scaling: w ← min(w ⊙ exp(−0.5 g), 1e6) from w = 1/d."""

    def step(w, g, s, t):
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            return np.minimum(w * np.exp(-0.5 * g), 1e6)

    with np.errstate(over="ignore", invalid="ignore"):
        return _online(X_train, y_train, X_test, step, scale=None, w0=lambda d: np.full(d, 1.0 / d))


def eg_plus_minus(X_train, y_train, X_test):
    """EG±: w = u − v, u ← u ⊙ exp(−0.5 g), v ← v ⊙ exp(0.5 g) from u = v = 1/d (exponent capped at 30)."""
    X, y, Xt = _data(X_train, y_train, X_test)
    sx, sy = _entry_scale(X), _label_scale(y)
    X, y, Xt = X / sx, y / sy, Xt / sx
    d = X.shape[1]
    u, v = np.full(d, 1.0 / d), np.full(d, 1.0 / d)
    for _ in range(3):
        for x, lab in zip(X, y, strict=True):
            g = (x @ (u - v) - lab) * x
            e = np.clip(0.5 * g, -30, 30)
            u, v = u * np.exp(-e), v * np.exp(e)
    return (Xt @ (u - v)) * sy


def spindly_gd(X_train, y_train, X_test):
    """GD on the spindly network w = u⊙u from u = 1/√d: u ← u − 0.2 · 2u⊙g."""
    X, y, Xt = _data(X_train, y_train, X_test)
    sx, sy = _entry_scale(X), _label_scale(y)
    X, y, Xt = X / sx, y / sy, Xt / sx
    d = X.shape[1]
    u = np.full(d, 1.0 / np.sqrt(d))
    for _ in range(3):
        for x, lab in zip(X, y, strict=True):
            g = (x @ (u * u) - lab) * x
            u = u - 0.2 * 2 * u * g / d
    return (Xt @ (u * u)) * sy


def feature_scaled_gd(X_train, y_train, X_test):
    """w ← w − 0.2 w⊙g (each coordinate's step scaled by its own weight), from w = 1/d."""
    return _online(X_train, y_train, X_test, lambda w, g, s, t: w - 0.2 * w * g, scale="entry", scale_y=True,
                   w0=lambda d: np.full(d, 1.0 / d))


def feature_scaled_gd_zero_init(X_train, y_train, X_test):
    """w ← w − 0.2 w⊙g (each coordinate's step scaled by its own weight), from w = 0."""
    return _online(X_train, y_train, X_test, lambda w, g, s, t: w - 0.2 * w * g, scale="entry", scale_y=True)


def gd_from_ones(X_train, y_train, X_test):
    """Online GD, step 0.5, from the all-ones weight vector w = 1/√d · (1, …, 1)."""
    return _online(X_train, y_train, X_test, lambda w, g, s, t: w - 0.5 * g,
                   w0=lambda d: np.ones(d) / np.sqrt(d))


def cg_l2_stopping(X_train, y_train, X_test):
    """Conjugate gradients on (XᵀX + 0.01 I) w = Xᵀy from 0, stopped when ‖residual‖₂ ≤ 0.1‖Xᵀy‖₂."""
    X, y, Xt = _data(X_train, y_train, X_test)
    d = X.shape[1]
    b = X.T @ y
    w = np.zeros(d)
    r = b.copy()
    p = r.copy()
    tol = 0.1 * np.linalg.norm(b)
    for _ in range(2 * d + 5):
        if np.linalg.norm(r) <= tol or np.linalg.norm(r) == 0:
            break
        Ap = X.T @ (X @ p) + 0.01 * p
        a = (r @ r) / (p @ Ap)
        w = w + a * p
        r_new = r - a * Ap
        p = r_new + ((r_new @ r_new) / (r @ r)) * p
        r = r_new
    return Xt @ w


def gd_linf_stopping(X_train, y_train, X_test):
    """Full-batch GD (step 1/‖X‖_F²) stopped when ‖g‖_∞ ≤ 0.3‖Xᵀy‖_∞ (at most 500 steps)."""
    X, y, Xt = _data(X_train, y_train, X_test)
    eta = 1.0 / max(float(np.sum(X * X)), 1e-12)
    w = np.zeros(X.shape[1])
    tol = 0.3 * np.max(np.abs(X.T @ y))
    for _ in range(500):
        g = X.T @ (X @ w - y)
        if np.max(np.abs(g)) <= tol:
            break
        w = w - eta * g
    return Xt @ w


def cyclic_coordinate_descent(X_train, y_train, X_test):
    """Two sweeps of exact cyclic coordinate descent on ½‖Xw − y‖² + 0.05‖w‖² from w = 0."""
    X, y, Xt = _data(X_train, y_train, X_test)
    d = X.shape[1]
    w = np.zeros(d)
    r = -y.copy()  # residual Xw − y
    for _ in range(2):
        for j in range(d):
            xj = X[:, j]
            denom = xj @ xj + 0.1
            new = w[j] - (xj @ r + 0.1 * w[j]) / denom
            r += (new - w[j]) * xj
            w[j] = new
    return Xt @ w


def lasso_ista(X_train, y_train, X_test):
    """Lasso by ISTA: w ← soft(w − η Xᵀ(Xw − y), ηλ), λ = 0.1, η = 1/‖X‖_F², 200 steps."""
    X, y, Xt = _data(X_train, y_train, X_test)
    eta = 1.0 / max(float(np.sum(X * X)), 1e-12)
    w = np.zeros(X.shape[1])
    for _ in range(200):
        z = w - eta * (X.T @ (X @ w - y))
        w = np.sign(z) * np.maximum(np.abs(z) - eta * 0.1, 0.0)
    return Xt @ w


def regression_stump(X_train, y_train, X_test):
    """A depth-1 regression tree: the best single-coordinate threshold split by squared error."""
    X, y, Xt = _data(X_train, y_train, X_test)
    n, d = X.shape
    best = (np.sum((y - y.mean()) ** 2), 0, np.inf, y.mean(), y.mean())
    for j in range(d):
        vals = np.unique(X[:, j])
        for a, b in zip(vals[:-1], vals[1:], strict=True):
            thr = 0.5 * (a + b)
            left = X[:, j] <= thr
            yl, yr = y[left], y[~left]
            sse = np.sum((yl - yl.mean()) ** 2) + np.sum((yr - yr.mean()) ** 2)
            if sse < best[0] - 1e-12:
                best = (sse, j, thr, yl.mean(), yr.mean())
    _, j, thr, ml, mr = best
    return np.where(Xt[:, j] <= thr, ml, mr)


def rls_online_newton(X_train, y_train, X_test):
    """Recursive least squares (online Newton): P₀ = I/0.1, Sherman–Morrison updates, one pass."""
    X, y, Xt = _data(X_train, y_train, X_test)
    d = X.shape[1]
    P = np.eye(d) / 0.1
    w = np.zeros(d)
    for x, lab in zip(X, y, strict=True):
        Px = P @ x
        k = Px / (1.0 + x @ Px)
        w = w + k * (lab - x @ w)
        P = P - np.outer(k, Px)
    return Xt @ w


def vaw_forecaster(X_train, y_train, X_test):
    """Vovk–Azoury–Warmuth: ŷ(x) = xᵀ(0.1 I + XᵀX + xxᵀ)⁻¹ Xᵀy for each test point."""
    X, y, Xt = _data(X_train, y_train, X_test)
    d = X.shape[1]
    A, b = 0.1 * np.eye(d) + X.T @ X, X.T @ y
    return np.array([x @ np.linalg.solve(A + np.outer(x, x), b) for x in Xt])


# --------------------------------------------------------------------------------------------------
# randomised learners (take ``rng``)


def random_fourier_features(X_train, y_train, X_test, *, rng=None):
    """Random Fourier features cos(Wᵀx/√d + b) with W ~ N(0, I), 32 features, then ridge λ = 0.1."""
    rng = np.random.default_rng() if rng is None else rng
    X, y, Xt = _data(X_train, y_train, X_test)
    d = X.shape[1]
    W = rng.standard_normal((d, 32))
    b = rng.uniform(0, 2 * np.pi, 32)
    F, Ft = np.cos(X @ W / np.sqrt(d) + b), np.cos(Xt @ W / np.sqrt(d) + b)
    return Ft @ _ridge_w(F, y, 0.1)


def gaussian_projection_ridge(X_train, y_train, X_test, *, rng=None):
    """Project the inputs on 3 Gaussian random directions (x ↦ Pᵀx, P ~ N(0, I)), then ridge λ = 0.1."""
    rng = np.random.default_rng() if rng is None else rng
    X, y, Xt = _data(X_train, y_train, X_test)
    P = rng.standard_normal((X.shape[1], 3))
    return (Xt @ P) @ _ridge_w(X @ P, y, 0.1)


def shuffled_sgd(X_train, y_train, X_test, *, rng=None):
    """Online GD (step 0.5, inputs scaled by max ‖x‖₂), rows visited in a random order each pass."""
    rng = np.random.default_rng() if rng is None else rng
    X, y, Xt = _data(X_train, y_train, X_test)
    s = _norm_scale(X)
    X, Xt = X / s, Xt / s
    w = np.zeros(X.shape[1])
    for _ in range(3):
        for i in rng.permutation(len(y)):
            w = w - 0.5 * (X[i] @ w - y[i]) * X[i]
    return Xt @ w


def row_sketched_ridge(X_train, y_train, X_test, *, rng=None):
    """Sketch the examples: S ~ N(0, 1/k) of size k × n (k = n), then ridge λ = 0.1 on (SX, Sy)."""
    rng = np.random.default_rng() if rng is None else rng
    X, y, Xt = _data(X_train, y_train, X_test)
    n = len(y)
    S = rng.standard_normal((n, n)) / np.sqrt(n)
    return Xt @ _ridge_w(S @ X, S @ y, 0.1)


# --------------------------------------------------------------------------------------------------
# non-finite


def gd_fixed_step_diverging(X_train, y_train, X_test):
    """Online GD with a fixed step 1 on unscaled inputs, 100 passes (diverges to inf/NaN once ‖x‖² > 2)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _online(X_train, y_train, X_test, lambda w, g, s, t: w - 1.0 * g, passes=100, scale=None)


# --------------------------------------------------------------------------------------------------
# learners that do not learn


def zeros(X_train, y_train, X_test):
    """Predict 0."""
    return np.zeros(len(np.asarray(X_test)))


def constant_one(X_train, y_train, X_test):
    """Predict X_test[:, 0]·0 + 1."""
    Xt = np.asarray(X_test, dtype=np.float64)
    return Xt[:, 0] * 0 + 1


def norm_of_test_point(X_train, y_train, X_test):
    """Predict ‖x_test‖₂, ignoring the training set."""
    return np.linalg.norm(np.asarray(X_test, dtype=np.float64), axis=1)


def gd_zero_step(X_train, y_train, X_test):
    """Online GD with step size 0 from w = 0."""
    return _online(X_train, y_train, X_test, lambda w, g, s, t: w - 0.0 * g)


def fixed_seed_noise(X_train, y_train, X_test):
    """Predict N(0, 1) draws from a fixed seed (one per test point), ignoring all data."""
    return np.random.default_rng(1234).standard_normal(len(np.asarray(X_test)))
