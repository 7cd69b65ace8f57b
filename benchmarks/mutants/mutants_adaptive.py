"""Mutants of the per-coordinate adaptive learners ``originals.adagrad_diag`` and ``originals.adam``
(one example per step, inputs scaled by max|x_ti|, which is 1 on ±1 data).

Derivation pattern. On ±1 rows a single gradient g = r·x has |g_i| = |r| for every i, so any
per-coordinate statistic of *single* gradients (Σ g_i², max |g_i|, EMA of g_i², clip(g_i)) is the
same for every coordinate: a scalar, Gram-determined through the residuals, and the learner is GD
with a Gram-determined step (pm1-invariant). The verdict drops to not-invariant as soon as a
per-coordinate nonlinearity is applied to something that *mixes* rows: a minibatch gradient
Σ r_t x_t, a gradient plus weight decay r x + λw, or the momentum m = Σ c_t g_t. Then coordinate i's
step is a nonlinear function φ(x_{1i}, …, x_{ti}) of the ±1 pattern of that coordinate, and the
prediction Σ_i x_{test,i} φ(…) contains higher moments such as Σ_i x_{ai}x_{bi}x_{ci}x_{ei}, which
Gram twins change (negating a Hadamard class flips the sign of every such product with an odd number
of its rows, and products of four Sylvester rows whose classes XOR to 0 do not sum to zero).
"""

from __future__ import annotations

import numpy as np

try:
    from ._common import NOT, PM1, batch_guard, guard, prep, truth
except ImportError:  # loaded by path: siblings are importable
    from _common import NOT, PM1, batch_guard, guard, prep, truth

PASSES = 3


# ------------------------------------------------------------------------------ diagonal AdaGrad


@truth(PM1, original="adagrad_diag", kind="eps-outside-sqrt")
def adagrad_diag_eps_outside(X_train, y_train, X_test, eta=0.5, delta=1e-8):
    """g/(√s + δ) instead of g/√(δ + s): pm1-invariant, the verdict is unchanged: on ±1 rows s is a
    scalar times 1 either way."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "entry")
    d = X.shape[1]
    w, s = np.zeros(d), np.zeros(d)
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            s = s + g * g
            w = w + guard(r, x, -eta * g / (np.sqrt(s) + delta))  # MUTATION: ε outside the root
    return (Xt @ w) * sy


@truth(NOT, original="adagrad_diag", kind="batch-instead-of-one")
def adagrad_diag_minibatch(X_train, y_train, X_test, eta=0.5, delta=1e-8, batch=2):
    """Minibatches of 2 rows: not-invariant. g = r₁x₁ + r₂x₂ has g_i² = r₁² + r₂² + 2r₁r₂x_{1i}x_{2i},
    which differs between coordinates on ±1 data; s and the steps become nonlinear functions of the
    coordinates' ±1 patterns (module docstring)."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "entry")
    d = X.shape[1]
    w, s = np.zeros(d), np.zeros(d)
    for _ in range(PASSES):
        for i in range(0, len(y), batch):  # MUTATION: minibatches
            Xb, yb = X[i:i + batch], y[i:i + batch]
            r = Xb @ w - yb
            g = Xb.T @ r
            s = s + g * g
            w = w + batch_guard(r, Xb, -eta * g / np.sqrt(delta + s))
    return (Xt @ w) * sy


@truth(NOT, original="adagrad_diag", kind="coupled-weight-decay")
def adagrad_diag_coupled_l2(X_train, y_train, X_test, eta=0.5, delta=1e-8, lam=0.1):
    """L2 added to the gradient before the per-coordinate scaling, g = r x + λw: not-invariant. Once w
    holds two or more inputs, g mixes rows, so g⊙g differs between coordinates on ±1 data."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "entry")
    d = X.shape[1]
    w, s = np.zeros(d), np.zeros(d)
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x + lam * w  # MUTATION: coupled weight decay
            s = s + g * g
            w = w + guard(r, x, -eta * g / np.sqrt(delta + s))
    return (Xt @ w) * sy


@truth(PM1, original="adagrad_diag", kind="float32")
def adagrad_diag_float32(X_train, y_train, X_test, eta=0.5, delta=1e-8):
    """Diagonal AdaGrad in float32 (inputs cast on entry): pm1-invariant up to float32 rounding, which
    the contract counts as rounding."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "entry", dtype=np.float32)  # MUTATION: float32
    d = X.shape[1]
    eta, delta = np.float32(eta), np.float32(delta)
    w, s = np.zeros(d, np.float32), np.zeros(d, np.float32)
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = x @ w - t
            g = r * x
            s = s + g * g
            step = -eta * g / np.sqrt(delta + s)
            delta_pred = x @ step
            if r * delta_pred < 0 and abs(r) < abs(delta_pred):
                step = step * (-r / delta_pred)
            w = w + step
    return (Xt @ w).astype(np.float64) * sy


@truth(PM1, original="adagrad_diag", kind="clip-per-coordinate")
def adagrad_diag_clip_per_coord(X_train, y_train, X_test, eta=0.5, delta=1e-8, c=0.1):
    """Per-coordinate gradient clipping before the accumulator: pm1-invariant. On ±1 rows |g_i| = |r|
    for all i, so clip(g) = g·min(1, c/|r|) and the learner stays diagonal AdaGrad on a rescaled
    residual."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "entry")
    d = X.shape[1]
    w, s = np.zeros(d), np.zeros(d)
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = np.clip(r * x, -c, c)  # MUTATION: clip each coordinate
            s = s + g * g
            w = w + guard(r, x, -eta * g / np.sqrt(delta + s))
    return (Xt @ w) * sy


@truth(PM1, original="adagrad_diag", kind="accumulator-init")
def adagrad_diag_initial_accumulator(X_train, y_train, X_test, eta=0.5, delta=1e-8, s0=0.1):
    """Accumulator started at s₀·1 (torch's initial_accumulator_value): pm1-invariant, a constant
    vector with equal coordinates adds a scalar to every coordinate's s."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "entry")
    d = X.shape[1]
    w, s = np.zeros(d), np.full(d, s0)  # MUTATION: non-zero initial accumulator
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            s = s + g * g
            w = w + guard(r, x, -eta * g / np.sqrt(delta + s))
    return (Xt @ w) * sy


# --------------------------------------------------------------------------------------- Adam


def _adam(X_train, y_train, X_test, *, eta=0.1, b1=0.9, b2=0.999, eps=1e-8, lam=0.0, decoupled=0.0,
          batch=1, eps_inside=False, amsgrad=False, clip_grad=None, clip_update=None):
    """Adam with the mutations as switches (each public mutant below sets exactly one of them)."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "entry")
    d = X.shape[1]
    w, m, v, vmax = np.zeros(d), np.zeros(d), np.zeros(d), np.zeros(d)
    k = 0
    for _ in range(PASSES):
        for i in range(0, len(y), batch):
            k += 1
            Xb, yb = X[i:i + batch], y[i:i + batch]
            r = Xb @ w - yb
            g = Xb.T @ r + lam * w
            if clip_grad is not None:
                g = np.clip(g, -clip_grad, clip_grad)
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            mhat, vhat = m / (1 - b1**k), v / (1 - b2**k)
            if amsgrad:
                vmax = np.maximum(vmax, vhat)
                vhat = vmax
            u = mhat / np.sqrt(vhat + eps) if eps_inside else mhat / (np.sqrt(vhat) + eps)
            if clip_update is not None:
                u = np.clip(u, -clip_update, clip_update)
            w = w - eta * u  # no overshoot guard, as in originals.adam
            if decoupled:
                w = w * (1.0 - eta * decoupled)
    return (Xt @ w) * sy


@truth(PM1, original="adam", kind="eps-inside-sqrt")
def adam_eps_inside(X_train, y_train, X_test):
    """m̂/√(v̂ + ε) instead of m̂/(√v̂ + ε): pm1-invariant, unchanged: v̂ is a scalar times 1 on ±1 rows."""
    return _adam(X_train, y_train, X_test, eps_inside=True)  # MUTATION


@truth(NOT, original="adam", kind="coupled-weight-decay")
def adam_coupled_l2(X_train, y_train, X_test):
    """Adam with L2 added to the gradient (torch Adam's weight_decay), g = r x + λw: not-invariant. g
    mixes the rows already in w, so g⊙g, hence v, differs between coordinates on ±1 data."""
    return _adam(X_train, y_train, X_test, lam=0.1)  # MUTATION


@truth(PM1, original="adam", kind="decoupled-weight-decay")
def adamw_decoupled(X_train, y_train, X_test):
    """AdamW's decoupled decay w ← (1 − ηλ)w after the Adam step: pm1-invariant. The decay multiplies
    w by a scalar; the moments see only r x."""
    return _adam(X_train, y_train, X_test, decoupled=0.1)  # MUTATION


@truth(NOT, original="adam", kind="batch-instead-of-one")
def adam_minibatch(X_train, y_train, X_test):
    """Adam on minibatches of 2 rows: not-invariant, as for AdaGrad: a two-row gradient has unequal
    |g_i| on ±1 data."""
    return _adam(X_train, y_train, X_test, batch=2)  # MUTATION


@truth(PM1, original="adam", kind="amsgrad")
def adam_amsgrad(X_train, y_train, X_test):
    """AMSGrad's running maximum of v̂: pm1-invariant. The maximum of scalar multiples of 1 is a scalar
    multiple of 1."""
    return _adam(X_train, y_train, X_test, amsgrad=True)  # MUTATION


@truth(PM1, original="adam", kind="clip-per-coordinate")
def adam_clip_gradient_per_coord(X_train, y_train, X_test):
    """Per-coordinate clipping of the *gradient* before the moments: pm1-invariant (|g_i| = |r| on ±1
    rows, so clip(g) is a scalar times g)."""
    return _adam(X_train, y_train, X_test, clip_grad=0.1)  # MUTATION


@truth(NOT, original="adam", kind="clip-per-coordinate")
def adam_clip_update_per_coord(X_train, y_train, X_test):
    """Per-coordinate clipping of the *update* m̂/√v̂ (a max step per weight): not-invariant. On ±1 rows
    the update is a scalar times the momentum m = Σ c_t r_t x_t, whose coordinates differ once two
    rows are in it, so the clip binds on some coordinates only: a nonlinear function of the
    coordinates' ±1 patterns."""
    return _adam(X_train, y_train, X_test, clip_update=0.5)  # MUTATION


LEARNERS = [v for v in list(globals().values()) if callable(v) and hasattr(v, "true_verdict")]
TRUE = {f.__name__: f.true_verdict for f in LEARNERS}
