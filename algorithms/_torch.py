"""Shared torch pieces of the randomised network learners (imported lazily: the core needs no torch)."""

from __future__ import annotations

import numpy as np

from invariance.errors import MissingDependency


def torch_or_skip():
    try:
        import torch
    except ImportError:
        raise MissingDependency(
            "torch", "torch", "the network learners (algorithms.mlp, algorithms.mlp_spindly)"
        ) from None
    torch.set_num_threads(1)  # tiny problems: one thread is fastest and deterministic
    return torch


def generator(torch, rng: np.random.Generator | None, device: str):
    seed = int(rng.integers(2**63 - 1)) if rng is not None else 0
    return torch.Generator(device="cpu").manual_seed(seed)
