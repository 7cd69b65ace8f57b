"""A two-layer network with a fully connected input layer, Gaussian initialisation, trained by GD."""

from __future__ import annotations

import numpy as np

from invariance import learner

from ._torch import generator, torch_or_skip

__all__ = ["mlp"]


@learner(
    "invariant-in-distribution",
    reason="W₁ ~ N(0, 1/d) i.i.d. has the law of W₁Uᵀ, and GD moves W₁ by (·)xᵀ terms, so the law of the "
    "predictions is unchanged by rotating every input (Warmuth, Kotłowski & Amid, ALT 2021, §2)",
)
def mlp(
    X_train, y_train, X_test, *, rng: np.random.Generator | None = None,
    hidden: int = 16, eta: float = 0.2, steps: int = 40, device: str = "cpu",
) -> np.ndarray:
    """``ŷ = w₂ · tanh(W₁ x)``; ``W₁ ~ N(0, 1/d)``, ``w₂ ~ N(0, 1/h)``; full-batch GD on ½(ŷ − y)².

    Every input enters only through ``W₁ x``. For orthogonal U, ``W₁U`` has the law of ``W₁``, and each
    GD step adds terms ``(·) xᵀ`` to W₁, so training on (XUᵀ) from W₁ equals training on X from W₁U:
    the *distribution* of predictions is invariant, though a single seed's predictions are not.
    Inputs are scaled by the rotation-invariant ``max_t ‖x_t‖``.
    """
    torch = torch_or_skip()
    gen = generator(torch, rng, device)
    X = np.asarray(X_train, dtype=np.float64)
    n, d = X.shape
    s = max(float(np.max(np.linalg.norm(np.vstack([X, X_test]), axis=1))), 1e-12)
    Xt = torch.as_tensor(X / s, device=device)
    yt = torch.as_tensor(np.asarray(y_train, dtype=np.float64), device=device)
    W1 = (torch.randn(hidden, d, generator=gen, dtype=torch.float64) / np.sqrt(d)).to(device)
    w2 = (torch.randn(hidden, generator=gen, dtype=torch.float64) / np.sqrt(hidden)).to(device)
    for _ in range(steps):  # backprop by hand: autograd would cost ~4× per step on these sizes
        H = torch.tanh(Xt @ W1.T)
        r = (H @ w2 - yt) / n
        g2 = H.T @ r
        W1 -= eta * (((r[:, None] * w2[None, :]) * (1.0 - H * H)).T @ Xt)  # the update is (·) xᵀ
        w2 -= eta * g2
    Xq = torch.as_tensor(np.asarray(X_test, dtype=np.float64) / s, device=device)
    return (torch.tanh(Xq @ W1.T) @ w2).cpu().numpy()
