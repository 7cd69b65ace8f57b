"""One property's tally: each example measured on both sides, judged by :mod:`invariance.judge`.

A :class:`PropertyRun` is the mutable record of one search (examples seen, skips, the largest
deviation, the last violation); :meth:`PropertyRun.evaluate` is the function Hypothesis, the sweep and
the shrinker call on each :class:`~invariance.data.strategies.Case`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from invariance import judge
from invariance.data.strategies import Case
from invariance.probe.call import CallError, Caller, deviation, failed_alike
from invariance.probe.noise import gaussian_noise, rounding_noise
from invariance.verdict import Diagnosis

__all__ = ["Outcome", "PropertyRun", "case_seed"]


@dataclass(frozen=True)
class Outcome:
    """A violation: the case, both predictions (None for a side that failed), and the numbers."""

    case: Case
    y_hat: np.ndarray | None
    y_hat_t: np.ndarray | None
    deviation: float
    noise: float
    threshold: float
    error: str | None = None


@dataclass
class PropertyRun:
    """Mutable tally of one property's search (only the checker touches it)."""

    name: str
    caller: Caller
    seed: int
    examples: int = 0
    skips: int = 0
    max_deviation: float = 0.0
    max_noise: float = 0.0
    fatal: CallError | None = None
    fatal_case: Case | None = None
    last: Outcome | None = None
    note: str | None = None
    _gaussian: dict = field(default_factory=dict, repr=False)

    def evaluate(self, case: Case) -> bool:
        """True when ``case`` is a violation (recorded in ``self.last``)."""
        if self.fatal is not None:
            return False
        self.examples += 1
        caller = self.caller_for(case)
        sides: list[np.ndarray | CallError] = []
        for X, Xt in ((case.X_train, case.X_test), (case.X_train_t, case.X_test_t)):
            try:
                sides.append(caller.predict(X, case.y_train, Xt))
            except CallError as exc:
                if exc.kind in (Diagnosis.TIMEOUT, Diagnosis.BAD_SHAPE):
                    self.fatal, self.fatal_case = exc, case
                    return False
                sides.append(exc)
        a, b = sides
        if failed_alike(a, b):
            self.skips += 1  # refuses the input on both sides: not a counterexample
            return False
        if isinstance(a, CallError) or isinstance(b, CallError):
            err = a if isinstance(a, CallError) else b
            side = "original" if err is a else "transformed"
            self.last = Outcome(
                case,
                None if isinstance(a, CallError) else a,
                None if isinstance(b, CallError) else b,
                float("inf"),
                0.0,
                judge.FLOOR,
                error=f"only the {side} side failed: {err}",
            )
            self.max_deviation = float("inf")
            return True
        dev = deviation(a, b, case.y_train)
        self.max_deviation = max(self.max_deviation, dev)
        kind = judge.noise_needed(dev, exact_inputs=case.family == "gram-twin")
        if kind is None:
            return False
        if kind == "gaussian":
            noise = self._gaussian_noise(caller, case)
        else:
            noise = rounding_noise(caller, case, a, b, case_seed(self.seed, case))
        self.max_noise = max(self.max_noise, noise if np.isfinite(noise) else 0.0)
        verdict = judge.judge_example(dev, noise, kind=kind)
        if verdict.violation:
            self.last = Outcome(case, a, b, dev, noise, verdict.threshold)
        return verdict.violation

    def caller_for(self, case: Case) -> Caller:
        """The caller that judges ``case``: for a randomised learner both sides, and their probes, draw
        from the case's own seed (:func:`case_seed`)."""
        return self.caller.seeded(case_seed(self.seed, case)) if self.caller.profile.randomized else self.caller

    def _gaussian_noise(self, caller: Caller, case: Case) -> float:
        key = (case.n, case.d, case.m)
        if key not in self._gaussian:
            self._gaussian[key] = gaussian_noise(caller, case.y_train, case.n, case.d, case.m, self.seed)
        return self._gaussian[key]


def case_seed(seed: int, case: Case) -> int:
    """The seed of ``case``: a function of the run's seed and the case's numbers only, so that judging a
    case is a pure function of it. Hypothesis replays the shrunk example and reports Flaky when the
    outcome changes, which would misdiagnose a deterministic learner as nondeterministic."""
    h = hashlib.sha256(str(seed).encode())
    for a in (case.X_train, case.y_train, case.X_test, case.U, case.X_train_t, case.X_test_t):
        h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
    return int.from_bytes(h.digest()[:8], "little")
