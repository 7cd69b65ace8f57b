"""Networks of your own for ``invcheck OPTIMIZER --model docs/networks.py:FACTORY`` (docs/networks.md).

Each factory takes ``(d, outputs)`` and returns a ``torch.nn.Module`` mapping (n, d) inputs to (n,) or
(n, outputs) predictions. invcheck builds it with torch's global generator seeded per fit (both sides of
an example get the same seed) and float64 as the default dtype, then trains it with the optimizer under
test on the same online protocol as its own models. Here the first layer starts at zero (u⊙v at one) and
the read-out is drawn once from a generator of its own (seed 0): every fit starts from the same network,
the learner is deterministic, and each verdict is decided example by example. A factory that draws from
torch's global generator instead (``nn.Linear``'s default initialisation) makes a randomised learner,
judged by the law of its predictions over seeds (docs/design.md, "Randomised learners").
"""

from __future__ import annotations

import torch
from torch import nn

HIDDEN = 16


def _drawn(layer: nn.Linear) -> nn.Linear:
    """``layer`` with N(0, 1/fan-in) weights from a generator of its own (seed 0): the same every build."""
    nn.init.normal_(layer.weight, std=layer.in_features**-0.5, generator=torch.Generator().manual_seed(0))
    return layer


def _head(width: int, outputs: int) -> nn.Module:
    """tanh, then a drawn linear read-out."""
    return nn.Sequential(nn.Tanh(), _drawn(nn.Linear(width, outputs, bias=False)))


def _zero_linear(d: int, width: int) -> nn.Linear:
    first = nn.Linear(d, width, bias=False)
    nn.init.zeros_(first.weight)
    return first


def mlp(d: int, outputs: int) -> nn.Module:
    """The paper's case: a fully connected first layer ``nn.Linear(d, 16)`` (zero start), tanh, read-out."""
    return nn.Sequential(_zero_linear(d, HIDDEN), _head(HIDDEN, outputs))


def rmsnorm_mlp(d: int, outputs: int) -> nn.Module:
    """``mlp`` behind an RMSNorm of the input without a learnt scale: x / rms(x), a function of ‖x‖."""
    return nn.Sequential(nn.RMSNorm(d, elementwise_affine=False), mlp(d, outputs))


def layernorm_mlp(d: int, outputs: int) -> nn.Module:
    """``mlp`` behind a LayerNorm of the input without a learnt scale: (x − mean(x)𝟙) / std, where the
    mean is x·𝟙/d."""
    return nn.Sequential(nn.LayerNorm(d, elementwise_affine=False), mlp(d, outputs))


class FeatureConv(nn.Module):
    """A 1-D convolution over the features (kernel 3, 4 channels, zero padding, a fixed kernel), then a
    zero-start read-out of the d × 4 feature map: weights shared along the coordinate axis."""

    def __init__(self, d: int, outputs: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(1, 4, kernel_size=3, padding=1, bias=False)
        with torch.no_grad():
            self.conv.weight.copy_(torch.tensor([[[0.5, 1.0, -0.25]], [[1.0, 0.0, 0.0]], [[0.25, 0.5, 0.25]],
                                                 [[-1.0, 0.5, 0.0]]]))
        self.out = _zero_linear(4 * d, outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.tanh(self.conv(x[:, None, :])).flatten(1))


def conv(d: int, outputs: int) -> nn.Module:
    return FeatureConv(d, outputs)


class Spindly(nn.Module):
    """A spindly first layer, ``x ↦ x ⊙ u ⊙ v`` with u = v = 𝟙, in front of ``mlp``: each input
    coordinate has weights of its own, updated coordinate by coordinate."""

    def __init__(self, d: int, outputs: int) -> None:
        super().__init__()
        self.u = nn.Parameter(torch.ones(d))
        self.v = nn.Parameter(torch.ones(d))
        self.rest = mlp(d, outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rest(x * self.u * self.v)


def spindly(d: int, outputs: int) -> nn.Module:
    return Spindly(d, outputs)


class LowRank(nn.Module):
    """A factored first layer ``W = A B`` of rank 4: B (4 × d) starts at zero, A (16 × 4) is drawn."""

    def __init__(self, d: int, outputs: int, rank: int = 4) -> None:
        super().__init__()
        self.B = _zero_linear(d, rank)
        self.A = _drawn(nn.Linear(rank, HIDDEN, bias=False))
        self.head = _head(HIDDEN, outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.A(self.B(x)))


def low_rank(d: int, outputs: int) -> nn.Module:
    return LowRank(d, outputs)
