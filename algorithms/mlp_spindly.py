"""The paper's counterpoint: the input layer frozen at the identity, a spindly layer on top."""

from __future__ import annotations

import numpy as np

from invariance import learner

from ._torch import generator, torch_or_skip

__all__ = ["mlp_spindly"]


@learner(
    "not-invariant",
    reason="the identity input layer keeps coordinates apart and w = u⊙u weights each one separately: "
    "even the law of the predictions changes under a sign flip (the spindly network of Warmuth, "
    "Kotłowski & Amid, ALT 2021)",
)
def mlp_spindly(
    X_train, y_train, X_test, *, rng: np.random.Generator | None = None,
    eta: float = 0.5, steps: int = 40, device: str = "cpu",
) -> np.ndarray:
    """``ŷ = Σᵢ uᵢ² xᵢ`` behind a frozen identity layer; ``u₀ = (1 + 0.1 ξ)/√d``, ξ ~ N(0, 1);
    full-batch GD on ½(ŷ − y)². Inputs scaled by ``max |x_ti|``.

    Same training, same randomness in the initialisation as :func:`algorithms.mlp.mlp`, but no fully
    connected input layer: ``w = u⊙u ≥ 0`` cannot follow a sign flip of a coordinate.
    """
    torch = torch_or_skip()
    gen = generator(torch, rng, device)
    X = np.asarray(X_train, dtype=np.float64)
    d = X.shape[1]
    s = max(float(np.max(np.abs(np.vstack([X, X_test])))), 1e-12)
    Xt = torch.as_tensor(X / s, device=device)
    yt = torch.as_tensor(np.asarray(y_train, dtype=np.float64), device=device)
    u = (1.0 + 0.1 * torch.randn(d, generator=gen, dtype=torch.float64)).to(device) / np.sqrt(d)
    n = Xt.shape[0]
    for _ in range(steps):  # ∇_u ½ mean (x·(u⊙u) − y)² = 2u ⊙ Xᵀr, by hand
        r = (Xt @ (u * u) - yt) / n
        u -= eta * 2.0 * u * (Xt.T @ r)
    Xq = torch.as_tensor(np.asarray(X_test, dtype=np.float64) / s, device=device)
    return (Xq @ (u * u)).cpu().numpy()
