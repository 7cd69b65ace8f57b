"""What a check is asked to do: the budget and the settings, frozen, made once and passed down.

Default budget (per learner, seed 0): 150 Hypothesis examples on generic data (d 1–16, n 1–24,
m 1–4, six rotation families) backed by a seeded sweep of 54 larger problems (d up to 16, n up to 35);
150 ±1 Gram twins (k = 4, 8, 16, d up to k + 8, up to 24 rows); 60 examples each for the
signed-permutation and permutation subgroups when the learner is not invariant; 200 seeds per side
for the two-sample test of a randomised learner (docs/design.md#rotations-and-data).
"""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass, field

from invariance.contract import Domain

__all__ = ["Budget", "CheckConfig", "versions"]


@dataclass(frozen=True)
class Budget:
    """Hypothesis examples per property (before shrinking), and whether the sweep backs them up."""

    orthogonal: int = 150
    pm1: int = 150
    symmetry: int = 60
    sweep: bool = True

    def scaled(self, max_examples: int | None) -> Budget:
        if max_examples is None:
            return self
        return Budget(max_examples, max_examples, max(1, (max_examples * 2) // 5), self.sweep)

    def to_json(self) -> dict:
        return {"orthogonal": self.orthogonal, "pm1": self.pm1, "symmetry": self.symmetry, "sweep": self.sweep}


@dataclass(frozen=True)
class CheckConfig:
    """Every setting of one check. ``options`` are the adapters' (torch: passes, lr, …); they travel with
    the configuration so that workers and replays rebuild the same learner."""

    seed: int = 0
    max_examples: int | None = None
    timeout: float | None = 10.0
    database: str | None = None
    budget: Budget = field(default_factory=Budget)
    samples: int = 200  # per side, for randomised learners (docs/design.md#randomised-learners)
    alpha: float = 0.01
    verbose: bool = False
    #: the precision the verdict must hold at (None: the learner's declared or detected one, else float64)
    precision: str | None = None
    #: the inputs the question covers (None: every input the budget draws)
    domain: Domain | None = None
    options: dict = field(default_factory=dict, compare=False)

    @property
    def effective_budget(self) -> Budget:
        return self.budget.scaled(self.max_examples)

    def to_json(self) -> dict:
        return {
            "seed": self.seed,
            "max_examples": self.max_examples,
            "budget": self.effective_budget.to_json(),
            "timeout": self.timeout,
            "samples": self.samples,
            "alpha": self.alpha,
            "precision": self.precision,
            "domain": None if self.domain is None else self.domain.to_json(),
            "database": self.database,
            "options": dict(self.options),
            "versions": versions(),
        }


def versions(*, installed: bool = False) -> dict:
    """The versions a result depends on: invcheck, Python, the core packages, and torch / scikit-learn
    when a learner has loaded them (never imported here). ``installed``: what produced a report instead —
    every optional package installed (torch, scikit-learn, matplotlib, dask, distributed), as its
    distribution says, loaded or not."""
    import hypothesis
    import numpy
    import scipy

    from invariance import __version__

    out = {
        "invcheck": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "hypothesis": hypothesis.__version__,
    }
    optional = (("torch", "torch"), ("sklearn", "scikit-learn"))
    if installed:
        import contextlib
        import importlib.metadata

        for _, dist in (*optional, ("matplotlib", "matplotlib"), ("dask", "dask"), ("distributed", "distributed")):
            with contextlib.suppress(importlib.metadata.PackageNotFoundError):
                out[dist] = importlib.metadata.version(dist)
        return out
    for name, key in optional:
        mod = sys.modules.get(name)
        if mod is not None:
            out[key] = getattr(mod, "__version__", "?")
    return out
