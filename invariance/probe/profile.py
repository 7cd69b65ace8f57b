"""The probe: the first calls of every check, and the frozen :class:`~invariance.probe.call.Profile`
they establish for everything after.

Two generic inputs (n = 12, d = 3 and n = 6, d = 8), each called twice. The learner must answer with m
finite numbers, the same way twice. Raising on one probe and answering the other is a *refusal* of that
shape (RANSACRegressor needs n > d): the searches skip such inputs on both sides. A learner that raises
on both is retried with labels 1 + |y| (PoissonRegressor, GammaRegressor refuse y ≤ 0; rotations act on
X only). A learner that takes ``rng`` but whose predictions do not depend on it is profiled as
deterministic. A learner whose predictions are bit-identical on inputs rounded to float32 is profiled
at float32 precision (docs/design.md#tolerance).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from invariance import judge
from invariance.contract import Domain, Learner
from invariance.probe.call import Caller, CallError, Profile, Tally, deviation
from invariance.probe.noise import input_precision
from invariance.verdict import Diagnosis

__all__ = ["Probed", "probe", "probe_inputs", "training_dependence"]


@dataclass(frozen=True)
class Probed:
    """What the probe found: a caller carrying the learner's :class:`Profile`, or the failure that
    leaves it without a verdict; ``answered`` are the probes it answered, as (X, y, X_test, ŷ)."""

    caller: Caller
    failure: CallError | None
    answered: tuple = ()
    #: how far its predictions on the probes' test points move when it is trained on other data
    #: (relative to the predictions; judge.learns): 0 for a learner that does not learn
    dependence: float = float("inf")


def probe_inputs(seed: int, domain: Domain | None = None,
                 outputs: int | None = None) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The two probe problems, inside the question's ``domain`` (max_d, min_n, n_above_d); targets of
    shape (n, ``outputs``) for a learner with several outputs."""
    rng = np.random.default_rng([seed, 0x9E0B])
    lim = domain or Domain()
    out = []
    # n > d and n < d; n ≥ 6 so that estimators needing a few samples (k-NN: 5) are not refused
    for n, d, m in ((12, 3, 2), (6, 8, 2)):
        d = min(d, lim.max_d or d)
        n = max(n, lim.min_n or 1, d + 1 if lim.n_above_d else 1)
        X = rng.standard_normal((n + m, d))
        out.append((X[:n], rng.standard_normal(n if outputs is None else (n, outputs)), X[n:]))
    return out


_PREFIX = {
    Diagnosis.ERROR: "raised on valid generic input",
    Diagnosis.TIMEOUT: "hung on valid generic input",
    Diagnosis.NON_FINITE: "returned NaN/inf on valid generic input",
    Diagnosis.BAD_SHAPE: "returned the wrong shape on valid generic input",
}


def _answer(caller: Caller, seed: int, domain: Domain | None = None) -> tuple[CallError | None, list, list[str]]:
    """Call each probe twice; (failure or None, answered probes, refused shapes)."""
    refusals: list[CallError] = []
    shapes: list[str] = []
    answered: list = []
    probes = probe_inputs(seed, domain, caller.learner.outputs)
    for X, y, Xt in probes:
        shape = f"n={X.shape[0]}, d={X.shape[1]}, m={Xt.shape[0]}"
        try:
            first = caller.predict(X, y, Xt, seed=12345)
            second = caller.predict(X, y, Xt, seed=12345)
        except CallError as exc:
            prefix = _PREFIX.get(exc.kind, "failed on valid generic input")
            failure = CallError(exc.kind, f"{prefix} ({shape}): {exc}", exc.exc_type, exc.detail)
            if exc.kind is not Diagnosis.ERROR:
                return failure, answered, shapes
            refusals.append(failure)
            shapes.append(shape)
            continue
        dev = deviation(first, second, y)
        if dev > judge.FLOOR:
            hint = (
                "it is random without taking rng: accept a keyword rng (numpy Generator) and draw only from it"
                if not caller.learner.randomized
                else "the same rng seed gave different predictions: draw only from the rng passed in"
            )
            return CallError(
                Diagnosis.NONDETERMINISTIC,
                f"two identical calls ({shape}) differ by {dev:.2e} (relative); {hint}",
            ), answered, shapes
        answered.append((X, y, Xt, first))
    if len(refusals) == len(probes):
        return refusals[0], answered, shapes
    return None, answered, shapes


def _depends_on_seed(caller: Caller, answered) -> bool:
    """Whether a learner that takes ``rng`` actually gives different predictions for other seeds."""
    for X, y, Xt, _ in answered:
        try:
            a = caller.predict(X, y, Xt, seed=1)
            for s in (2, 3):
                if deviation(a, caller.predict(X, y, Xt, seed=s), y) > judge.FLOOR:
                    return True
        except CallError as exc:  # a seed that diverges (NaN) or fails where seed 12345 did not: it depends
            if exc.kind in (Diagnosis.NON_FINITE, Diagnosis.ERROR):
                return True
            raise
    return False


def training_dependence(caller: Caller, answered, seed: int) -> float:
    """How far the predictions on each answered probe's test points move when the learner is trained on
    other data of the same shape (fresh Gaussian X and y), relative to the predictions themselves: 0 for a
    learner whose predictions do not depend on its training data (a constant, a model stuck at its
    initialisation, an optimizer that never received a gradient); inf when it refuses the other data."""
    rng = np.random.default_rng([seed, 0xD3E])
    dependence = 0.0
    for X, y, Xt, ref in answered:
        try:
            other = caller.predict(rng.standard_normal(X.shape), rng.standard_normal(np.shape(y)), Xt, seed=12345)
        except CallError:
            return float("inf")
        dependence = max(dependence, deviation(ref, other, np.zeros(0)))
    return dependence


def probe(learner: Learner, *, seed: int, timeout: float | None, tally: Tally | None = None,
          precision: str | None = None, domain: Domain | None = None) -> Probed:
    """Probe ``learner`` and return its profile (inside a caller) or its failure. ``precision`` is the one
    asked for (else the learner's declared one, else detection). Raises
    :class:`~invariance.errors.MissingDependency` when a learner needs a package that is absent."""
    caller = Caller(learner, timeout=timeout, profile=Profile(randomized=learner.randomized), tally=tally or Tally())
    failure, answered, refused = _answer(caller, seed, domain)
    if failure is not None and failure.kind is Diagnosis.ERROR:  # raised on every probe: only y ≤ 0?
        relabelled = caller.with_profile(replace(caller.profile, positive_labels=True))
        again, answered2, refused2 = _answer(relabelled, seed, domain)
        if again is None:
            caller, failure, answered, refused = relabelled, None, answered2, refused2
    if failure is not None:
        return Probed(caller, failure, tuple(answered))
    dependence = training_dependence(caller, answered, seed)
    if not judge.learns(dependence):
        return Probed(caller, None, tuple(answered), dependence)
    randomized = learner.randomized and _depends_on_seed(caller, answered)
    profile = replace(caller.profile, randomized=randomized, refused=tuple(refused))
    caller = caller.with_profile(profile)
    if precision is not None:
        chosen, note = precision, "asked for"
    elif learner.precision is not None:
        chosen, note = learner.precision, learner.precision_note or "declared"
    else:
        chosen = input_precision(caller, answered)
        note = ("detected: its predictions are bit-identical on inputs rounded to float32"
                if chosen == "float32" else "the default")
    caller = caller.with_profile(replace(profile, precision=chosen, precision_note=note))
    return Probed(caller, None, tuple(answered), dependence)
