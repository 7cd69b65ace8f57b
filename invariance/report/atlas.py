"""The optimizer atlas: one report section per optimizer library, every exported optimizer a row.

A library's rows are found, not listed: every ``torch.optim.Optimizer`` subclass a torch library
exports (torch.optim, pytorch_optimizer, lion_pytorch, prodigyopt, schedulefree), every factory of
optax and optax.contrib that takes a ``learning_rate`` (:func:`invariance.adapters.optax.is_optax_factory`).
A class a library re-exports from torch.optim is that section's row, not another. Each row is checked
on the linear layer W ∈ R^{3×d} (:data:`CHECK_OPTIONS`: the input and the output side) at
:data:`MAX_EXAMPLES` examples per property, with the optimizer's own defaults, and gets its Hadamard
curve at d = 128 on the linear neuron (:func:`plan`); :mod:`invariance.report.atlas_reasons` holds the
source line that decides each verdict. Optimizers that cannot run on the protocol stay rows, with
their diagnosis and the reason.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import importlib.util
import inspect
from dataclasses import dataclass

__all__ = ["LIBRARIES", "Library", "CHECK_OPTIONS", "MAX_EXAMPLES", "SAMPLES", "library_targets", "reason_of",
           "lookahead_adam", "sam_sgd"]

#: the model every atlas row is checked on: the input side and the output side of a 3×d layer
CHECK_OPTIONS = (("model", "layer"), ("outputs", 3))
#: Hypothesis examples per property in the atlas (the main sections use the default 150)
MAX_EXAMPLES = 50
#: seeds per side for the atlas's randomised optimizers (the main sections use 200)
SAMPLES = 100


@dataclass(frozen=True)
class Library:
    """One atlas section: the module whose exports are its rows, the distribution that pins it."""

    key: str
    module: str
    distribution: str
    kind: str  # "torch" or "optax"
    extra: str  # the pip extra that installs it


LIBRARIES = (
    Library("atlas-torch", "torch.optim", "torch", "torch", "torch"),
    Library("atlas-pytorch-optimizer", "pytorch_optimizer", "pytorch-optimizer", "torch", "atlas"),
    Library("atlas-lion-pytorch", "lion_pytorch", "lion-pytorch", "torch", "atlas"),
    Library("atlas-prodigyopt", "prodigyopt", "prodigyopt", "torch", "atlas"),
    Library("atlas-schedulefree", "schedulefree", "schedulefree", "torch", "atlas"),
    Library("atlas-optax", "optax", "optax", "optax", "optax"),
    Library("atlas-optax-contrib", "optax.contrib", "optax", "optax", "optax"),
)


def version(lib: Library) -> str | None:
    try:
        return importlib.metadata.version(lib.distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def installed(lib: Library) -> bool:
    return importlib.util.find_spec(lib.module.split(".")[0]) is not None


def library_targets(lib: Library) -> tuple[str, ...]:
    """The TARGETs of ``lib``'s rows, in name order (case-insensitive)."""
    module = importlib.import_module(lib.module)
    names = []
    if lib.kind == "torch":
        import torch

        for name in dir(module):
            obj = getattr(module, name)
            if name.startswith("_") or not inspect.isclass(obj) or obj is torch.optim.Optimizer:
                continue
            if not issubclass(obj, torch.optim.Optimizer):
                continue
            if lib.module != "torch.optim" and obj.__module__.startswith("torch.optim"):
                continue  # a re-export of torch's class: that section's row
            names.append(name)
    else:
        from invariance.adapters.optax import is_optax_factory

        names = [n for n in dir(module) if not n.startswith("_") and is_optax_factory(getattr(module, n))]
    return tuple(f"{lib.module}:{n}" for n in sorted(names, key=str.lower))


def reexports(lib: Library) -> tuple[str, ...]:
    """The torch.optim classes ``lib`` exports under its own name (rows of the torch.optim section)."""
    if lib.kind != "torch" or lib.module == "torch.optim":
        return ()
    import torch

    module = importlib.import_module(lib.module)
    return tuple(sorted(n for n in dir(module) if not n.startswith("_") and inspect.isclass(getattr(module, n))
                        and issubclass(getattr(module, n), torch.optim.Optimizer)
                        and getattr(module, n).__module__.startswith("torch.optim")))


def reason_of(target: str) -> tuple[str | None, str | None]:
    """(reason, source line) for an atlas target, or (None, None) when none is recorded."""
    from invariance.report.atlas_reasons import REASONS

    entry = REASONS.get(target)
    return (entry[2], entry[3]) if entry else (None, None)


# -------------------------------------------------------------- wrappers, as instance factories


def lookahead_adam(params, lr: float = 1e-3):
    """pytorch_optimizer's Lookahead around torch's Adam (k = 5, α = 0.5): a wrapper row of the atlas."""
    import torch
    from pytorch_optimizer import Lookahead

    return Lookahead(torch.optim.Adam(params, lr=lr), k=5, alpha=0.5)


def sam_sgd(params, lr: float = 1e-3):
    """pytorch_optimizer's SAM around torch's SGD (ρ = 0.05): a wrapper row of the atlas."""
    import torch
    from pytorch_optimizer import SAM

    return SAM(params, torch.optim.SGD, lr=lr, rho=0.05)


#: wrapper rows shown beside the library's own (the bare classes need a base optimizer)
WRAPPERS = {"atlas-pytorch-optimizer": ("invariance.report.atlas:lookahead_adam", "invariance.report.atlas:sam_sgd")}


@functools.cache
def targets_of(key: str) -> tuple[str, ...]:
    lib = next(lib for lib in LIBRARIES if lib.key == key)
    return library_targets(lib) + WRAPPERS.get(key, ())
