"""Mutants of the preconditioned online learners ``originals.newton`` and ``originals.adagrad_full``.

Derivation pattern: with rotated inputs every gradient is Ug, and a preconditioner built from
Σ g gᵀ by matrix operations (inverse, square root, any spectral function f(G) = V f(Λ) Vᵀ) becomes
U(·)Uᵀ, so the step rotates with U: invariant. A preconditioner built from the *diagonal* of Σ g gᵀ
is a per-coordinate scaling; with one example per step on ±1 rows (scaled by √d) its diagonal is
Σ r_t²/d · 1, a scalar, so it is pm1-invariant. A formula that mixes the eigen-index with the
coordinate index (Vᵀ where V was meant) is no spectral function at all: not-invariant.
"""

from __future__ import annotations

import numpy as np

try:
    from ._common import INV, NOT, PM1, guard, prep, truth
except ImportError:  # loaded by path: siblings are importable
    from _common import INV, NOT, PM1, guard, prep, truth


# ------------------------------------------------------------------------------------ Newton


@truth(PM1, original="newton", kind="diagonal-approximation")
def newton_diagonal(X_train, y_train, X_test, eta=1.0, eps=0.1):
    """Online Newton with A = εI + Σ diag(g⊙g) (the "cheap diagonal" approximation): pm1-invariant.
    On ±1 rows every g⊙g = (r²/d)·1, so A is a scalar matrix and the step is a Gram-determined
    multiple of x; on generic rows A weights coordinates differently."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    d = X.shape[1]
    w, a = np.zeros(d), np.full(d, eps)
    for _ in range(2):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            a = a + g * g  # MUTATION: only the diagonal of g gᵀ
            w = w + guard(r, x, -eta * g / a)
    return (Xt @ w) * sy


@truth(INV, original="newton", kind="sign-error")
def newton_sherman_morrison_sign(X_train, y_train, X_test, eta=1.0, eps=0.1):
    """Sherman–Morrison update with + where − belongs (A⁻¹ ← A⁻¹ + ssᵀ(1 + gᵀA⁻¹g)): wrong, but still
    invariant. The update is built from A⁻¹ and g by matrix products, so A⁻¹ ↦ UA⁻¹Uᵀ is preserved by
    induction and the step rotates with U."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    d = X.shape[1]
    w, Ainv = np.zeros(d), np.eye(d) / eps
    for _ in range(2):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            Ag = Ainv @ g
            step = Ag / (1.0 + g @ Ag)
            Ainv = Ainv + np.outer(step, Ag)  # MUTATION: sign error
            w = w + guard(r, x, -eta * step)
    return (Xt @ w) * sy


# ---------------------------------------------------------------------------- full AdaGrad


@truth(PM1, original="adagrad_full", kind="diagonal-approximation")
def adagrad_full_diagonal(X_train, y_train, X_test, eta=1.0, delta=1e-4):
    """Full-matrix AdaGrad with only diag(G) kept (G ⊙ I): diagonal AdaGrad, pm1-invariant. On ±1 rows
    diag(δI + Σ g gᵀ) = (δ + Σ r_t²/d)·I, a scalar."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    d = X.shape[1]
    w, G = np.zeros(d), delta * np.eye(d)
    for _ in range(2):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            G = G + np.outer(g, g)
            step = g / np.sqrt(np.diag(G))  # MUTATION: diagonal of G only
            w = w + guard(r, x, -eta * step)
    return (Xt @ w) * sy


@truth(NOT, original="adagrad_full", kind="transpose-error")
def adagrad_full_transposed(X_train, y_train, X_test, eta=1.0, delta=1e-4):
    """G^{-1/2}g computed as Vᵀ(Vg/√λ) instead of V(Vᵀg/√λ): not-invariant. Vg pairs the eigen-index with
    the coordinate index, so the result is no spectral function of G; with G ↦ UGUᵀ, V ↦ UV (up to
    signs) and Vᵀ(Vg) does not become U times itself, even on ±1 twins. It is also unstable: for
    d ≥ 3 the first G = δI + ggᵀ has the eigenvalue δ (d − 1)-fold, eigh returns an arbitrary basis
    of that eigenspace, and the formula depends on the basis, so a float64 round trip of the inputs
    moves the prediction by O(1) as well. (In d ≤ 2 it happens to be invariant.)"""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    d = X.shape[1]
    w, G = np.zeros(d), delta * np.eye(d)
    for _ in range(2):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            G = G + np.outer(g, g)
            lam, V = np.linalg.eigh(G)
            step = V.T @ ((V @ g) / np.sqrt(lam))  # MUTATION: transposes swapped
            w = w + guard(r, x, -eta * step)
    return (Xt @ w) * sy


@truth(NOT, original="adagrad_full", kind="matrix-square-root")
def adagrad_full_cholesky(X_train, y_train, X_test, eta=1.0, delta=1e-4):
    """The Cholesky factor L (G = LLᵀ) used as the matrix square root, step L⁻¹g: not-invariant. L is
    lower-triangular in the coordinate basis: with G ↦ UGUᵀ the factor of UGUᵀ is not UL, so L⁻¹g does
    not rotate with g (only its length √(gᵀG⁻¹g) does). Already the first step L⁻¹g for G = δI + ggᵀ is
    ≈ sign(g₁)e₁ plus O(δ) terms: a coordinate direction, even on ±1 rows. Unlike the transposed
    formula above, Cholesky is unique and continuous, so the answer is stable under rounding."""
    from scipy.linalg import solve_triangular

    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    d = X.shape[1]
    w, G = np.zeros(d), delta * np.eye(d)
    for _ in range(2):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            G = G + np.outer(g, g)
            L = np.linalg.cholesky(G)
            step = solve_triangular(L, g, lower=True)  # MUTATION: Cholesky factor as G^{1/2}
            w = w + guard(r, x, -eta * step)
    return (Xt @ w) * sy


@truth(INV, original="adagrad_full", kind="eps-outside-sqrt")
def adagrad_full_eps_outside(X_train, y_train, X_test, eta=1.0, delta=1e-2):
    """(G^{1/2} + δI)^{-1}g with G = Σ g gᵀ instead of (δI + G)^{-1/2}g: invariant. Both are spectral
    functions of G, λ ↦ 1/(√λ + δ) and λ ↦ 1/√(λ + δ), so both commute with conjugation by U."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    d = X.shape[1]
    w, G = np.zeros(d), np.zeros((d, d))
    for _ in range(2):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            G = G + np.outer(g, g)
            lam, V = np.linalg.eigh(G)
            step = V @ ((V.T @ g) / (np.sqrt(np.maximum(lam, 0.0)) + delta))  # MUTATION: ε outside √
            w = w + guard(r, x, -eta * step)
    return (Xt @ w) * sy


@truth(INV, original="adagrad_full", kind="sign-error")
def adagrad_full_exponent_sign(X_train, y_train, X_test, eta=1.0, delta=1e-4):
    """G^{+1/2}g where G^{-1/2}g was meant (a sign error in the exponent): invariant, λ ↦ √λ is still a
    spectral function. The overshoot guard keeps the longer steps finite."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    d = X.shape[1]
    w, G = np.zeros(d), delta * np.eye(d)
    for _ in range(2):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            G = G + np.outer(g, g)
            lam, V = np.linalg.eigh(G)
            step = V @ ((V.T @ g) * np.sqrt(lam))  # MUTATION: exponent +1/2
            w = w + guard(r, x, -eta * step)
    return (Xt @ w) * sy


@truth(PM1, original="adagrad_full", kind="size-switch")
def adagrad_full_diagonal_when_d_large(X_train, y_train, X_test, eta=1.0, delta=1e-4):
    """Full-matrix AdaGrad that switches to the diagonal for d ≥ 12 "to save memory": pm1-invariant.
    For d < 12 it is the original (invariant); for d ≥ 12 it is diagonal AdaGrad (pm1-invariant), so
    violations exist only on generic data with at least 12 columns."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    d = X.shape[1]
    diagonal = d >= 12  # MUTATION: a size switch to the diagonal approximation
    w, G = np.zeros(d), delta * np.eye(d)
    for _ in range(2):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            G = G + np.outer(g, g)
            if diagonal:
                step = g / np.sqrt(np.diag(G))
            else:
                lam, V = np.linalg.eigh(G)
                step = V @ ((V.T @ g) / np.sqrt(lam))
            w = w + guard(r, x, -eta * step)
    return (Xt @ w) * sy


@truth(PM1, original="adagrad_full", kind="binary-fast-path")
def adagrad_full_binary_fast_path(X_train, y_train, X_test, eta=1.0, delta=1e-4):
    """"On ±1 data diag(G) is a multiple of I, so skip the eigendecomposition": when every training
    entry is ±1, use the diagonal of G. pm1-invariant: on ±1 data it is diagonal AdaGrad, Gram-determined
    there (one example per step); on generic data it is full AdaGrad; but a rotation that takes ±1 data
    off the cube switches paths, and diagonal and full AdaGrad differ (the off-diagonal Σ r_t² x_t x_tᵀ
    ≠ 0), so it is not invariant."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    d = X.shape[1]
    diagonal = bool(np.all(np.abs(np.asarray(X_train)) == 1))  # MUTATION: a ±1 fast path
    w, G = np.zeros(d), delta * np.eye(d)
    for _ in range(2):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            G = G + np.outer(g, g)
            if diagonal:
                step = g / np.sqrt(np.diag(G))
            else:
                lam, V = np.linalg.eigh(G)
                step = V @ ((V.T @ g) / np.sqrt(lam))
            w = w + guard(r, x, -eta * step)
    return (Xt @ w) * sy


@truth(PM1, original="newton", kind="size-switch")
def newton_diagonal_when_n_large(X_train, y_train, X_test, eta=1.0, eps=0.1):
    """Online Newton that falls back to the diagonal of Σ g gᵀ when there are more than 16 training rows:
    pm1-invariant. For n ≤ 16 it is the original (invariant); for n > 16 it is newton_diagonal
    (pm1-invariant), so violations need n > 16."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    d = X.shape[1]
    diagonal = len(y) > 16  # MUTATION: a size switch
    w, Ainv, a = np.zeros(d), np.eye(d) / eps, np.full(d, eps)
    for _ in range(2):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            if diagonal:
                a = a + g * g
                step = g / a
            else:
                Ag = Ainv @ g
                step = Ag / (1.0 + g @ Ag)
                Ainv = Ainv - np.outer(step, Ag)
            w = w + guard(r, x, -eta * step)
    return (Xt @ w) * sy


LEARNERS = [v for v in list(globals().values()) if callable(v) and hasattr(v, "true_verdict")]
TRUE = {f.__name__: f.true_verdict for f in LEARNERS}
