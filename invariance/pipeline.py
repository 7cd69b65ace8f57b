"""Check one learner: probe it, search each property, judge, and return a :class:`Result`.

Default budget (per learner, seed 0): 150 Hypothesis examples on generic data (d 1–16, n 1–24,
m 1–4, six rotation families) backed by a 100-case seeded sweep up to d = 16, n = 35; 150 ±1 Gram
twins (k = 4, 8, 16, d up to k + 8, up to 24 rows); 60 examples each for the signed-permutation and
permutation subgroups when the learner is not invariant. See the README for how this was chosen.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from invariance.errors import MissingDependency
from invariance.judge import judge, symmetry_of
from invariance.probe.call import CallError, Meter, deviation
from invariance.learner import Learner
from invariance.result.model import PropertyReport, Result
from invariance.search.run import PropertyRun, counterexample_from, search_property, sweep_cases
from invariance.data.rotations import haar
from invariance.data.strategies import Case, orthogonal_cases, twin_cases
from invariance.probe.noise import FLOOR, input_precision
from invariance.verdict import Diagnosis, Verdict

__all__ = ["Budget", "CheckConfig", "check"]


@dataclass(frozen=True)
class Budget:
    """Hypothesis examples per property (before shrinking)."""

    orthogonal: int = 150
    pm1: int = 150
    symmetry: int = 60
    sweep: bool = True

    def scaled(self, max_examples: int | None) -> "Budget":
        if max_examples is None:
            return self
        return Budget(max_examples, max_examples, max(1, (max_examples * 2) // 5), self.sweep)


@dataclass(frozen=True)
class CheckConfig:
    seed: int = 0
    max_examples: int | None = None
    timeout: float | None = 10.0
    database: str | None = None
    budget: Budget = field(default_factory=Budget)
    samples: int = 200  # per side, for randomised learners (DESIGN §6)
    alpha: float = 0.01
    verbose: bool = False

    @property
    def effective_budget(self) -> Budget:
        return self.budget.scaled(self.max_examples)


def _probe_inputs(seed: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng([seed, 0x9E0B])
    out = []
    # n > d and n < d; n ≥ 6 so that estimators needing a few samples (k-NN: 5) are not refused
    for n, d, m in ((12, 3, 2), (6, 8, 2)):
        X = rng.standard_normal((n + m, d))
        out.append((X[:n], rng.standard_normal(n), X[n:]))
    return out


def _no_verdict(
    learner: Learner, meter: Meter, t0: float, message: str, *, diagnosis: Diagnosis | None = None,
    detail: str | None = None, warnings=(), skipped: bool = False,
) -> Result:
    """A result without a verdict: a diagnosis (the learner failed) or a skip (a dependency is missing)."""
    return Result(
        target=learner.target,
        name=learner.name,
        verdict=None,
        diagnosis=diagnosis,
        expected=learner.expected,
        reason=learner.reason,
        deviation={"orthogonal": None, "pm1": None},
        symmetry=None,
        counterexample=None,
        evaluations=meter.evaluations,
        seconds=time.perf_counter() - t0,
        message=message,
        warnings=tuple(warnings),
        detail=detail,
        skipped=skipped,
    )


def _failure(learner: Learner, diagnosis: Diagnosis, message: str, meter: Meter, t0: float, detail=None, warnings=()) -> Result:
    return _no_verdict(learner, meter, t0, message, diagnosis=diagnosis, detail=detail, warnings=warnings)


def _depends_on_seed(meter: Meter, probes) -> bool:
    """Whether a learner that takes ``rng`` actually gives different predictions for other seeds."""
    for X, y, Xt, _ in probes:
        a = meter.predict(X, y, Xt, seed=1)
        for s in (2, 3):
            if deviation(a, meter.predict(X, y, Xt, seed=s), y) > FLOOR:
                return True
    return False


POSITIVE_LABELS_NOTE = (
    "the learner raised on every generic problem but accepts positive labels; every call was given 1 + |y| "
    "instead of y (shown as y_train), which changes nothing about rotations of X"
)


def _retry_with_positive_labels(learner: Learner, meter: Meter, seed: int, answered: list, problem: CallError):
    """A learner that raised on every probe may only refuse labels ≤ 0 (PoissonRegressor, GammaRegressor).
    Rotations act on X, not on y, so the question is the same with positive labels: try the probes again
    with every call given 1 + |y|; the original failure stands if that fails too."""
    meter.positive_labels = True
    if _probe(learner, meter, seed, answered) is None:
        return None
    meter.positive_labels = False
    return problem


def _invariant_seed_by_seed(meter: Meter, seed: int) -> bool:
    """A cheap look before the per-seed search: on the two probe problems, rotated by a Haar U, does a
    randomised learner give the same predictions on both sides when both draw from the same seed?
    (SGDRegressor, whose seed only shuffles rows, does; an MLP with a random first layer does not, and
    goes straight to the two-sample test.)"""
    rng = np.random.default_rng([seed, 0x5A3E])
    run = PropertyRun("orthogonal", meter, seed)
    for X, y, Xt in _probe_inputs(seed):  # a refused shape is skipped on both sides by evaluate
        U = haar(rng, X.shape[1])
        if run.evaluate(Case("orthogonal", X, y, Xt, U, X @ U.T, Xt @ U.T, "haar", "gaussian")) or run.fatal is not None:
            return False
    return True


def _in_distribution(learner: Learner, meter: Meter, config: CheckConfig, t0: float) -> Result:
    """The two-sample test of :mod:`invariance.distribution`, which passes its own seeds to every call."""
    from invariance.search.distribution import check_distribution

    meter.case_seed = None
    return check_distribution(learner, meter, config, t0)


def _probe(learner: Learner, meter: Meter, seed: int, answered: list | None = None) -> CallError | None:
    """The learner must answer valid generic input, and answer it the same way twice.

    Raising on one probe shape but answering another is a *refusal* of that shape (RANSACRegressor
    needs n ≥ d + 1; KNeighborsRegressor n ≥ 5): the searches skip such inputs on both sides. Only a
    learner that raises on every probe gets the diagnosis ``error``. The probes it answered are
    appended to ``answered`` as (X, y, X_test, ŷ)."""
    refusals: list[CallError] = []
    probes = _probe_inputs(seed)
    for X, y, Xt in probes:
        shape = f"n={X.shape[0]}, d={X.shape[1]}, m={Xt.shape[0]}"
        try:
            first = meter.predict(X, y, Xt, seed=12345)
            second = meter.predict(X, y, Xt, seed=12345)
        except CallError as exc:
            prefix = {
                Diagnosis.ERROR: "raised on valid generic input",
                Diagnosis.TIMEOUT: "hung on valid generic input",
                Diagnosis.NON_FINITE: "returned NaN/inf on valid generic input",
                Diagnosis.BAD_SHAPE: "returned the wrong shape on valid generic input",
            }.get(exc.kind, "failed on valid generic input")
            failure = CallError(exc.kind, f"{prefix} ({shape}): {exc}", exc.exc_type, exc.detail)
            if exc.kind is not Diagnosis.ERROR:
                return failure
            refusals.append(failure)
            continue
        dev = deviation(first, second, y)
        if dev > FLOOR:
            hint = (
                "it is random without taking rng: accept a keyword rng (numpy Generator) and draw only from it"
                if not learner.randomized
                else "the same rng seed gave different predictions: draw only from the rng passed in"
            )
            return CallError(
                Diagnosis.NONDETERMINISTIC,
                f"two identical calls ({shape}) differ by {dev:.2e} (relative); {hint}",
            )
        if answered is not None:
            answered.append((X, y, Xt, first))
    if len(refusals) == len(probes):
        return refusals[0]
    return None


def _report(run: PropertyRun, outcome, blob, *, shrunk: bool, seconds: float, learner: Learner, config: CheckConfig, meter: Meter) -> PropertyReport:
    cx = None
    if outcome is not None:
        replay = {
            "seed": config.seed,
            "command": f"invcheck {learner.target} --seed {config.seed}"
            + (f" --max-examples {config.max_examples}" if config.max_examples is not None else ""),
            "reproduce_failure": blob,
        }
        cx = counterexample_from(
            outcome, shrunk=shrunk, replay=replay, meter=meter, scale_angles=run.name == "orthogonal"
        )
    return PropertyReport(
        name=run.name,
        passed=outcome is None,
        examples=run.examples,
        skips=run.skips,
        max_deviation=run.max_deviation if run.examples else None,
        max_noise=run.max_noise,
        counterexample=cx,
        seconds=seconds,
        note=run.note,
    )


def _run_property(name, strategy, budget, learner, meter, config, *, sweep=False) -> tuple[PropertyRun, PropertyReport]:
    t0 = time.perf_counter()
    run = PropertyRun(name, meter, config.seed)
    outcome, blob = search_property(
        run,
        strategy,
        max_examples=budget,
        seed=config.seed,
        database=config.database,
        key=f"{learner.target}::{name}",
    )
    shrunk = True
    if outcome is None and sweep and run.fatal is None:
        for case in sweep_cases(config.seed, property_name=name):
            if run.evaluate(case):
                outcome, shrunk = run.last, False
                run.note = "found by the seeded sweep of larger problems; Hypothesis did not reach it, so it is not shrunk"
                break
            if run.fatal is not None:
                break
    return run, _report(run, outcome, blob, shrunk=shrunk, seconds=time.perf_counter() - t0, learner=learner, config=config, meter=meter)


def _warnings(meter: Meter, reports: list[PropertyReport]) -> list[str]:
    out = []
    if meter.positive_labels:
        out.append(POSITIVE_LABELS_NOTE)
    if meter.mutated:
        out.append(
            f"the learner modifies its inputs in place ({', '.join(meter.mutated)}); the checker hands every call "
            "fresh copies, so the verdict is unaffected, but callers of this learner may be surprised"
        )
    for r in reports:
        if r.skips:
            out.append(
                f"{r.name}: the learner refused {r.skips} of {r.examples} examples on both sides (raised or returned "
                "NaN the same way); those are not counterexamples and were skipped"
            )
    return out


def check(learner: Learner, config: CheckConfig | None = None) -> Result:
    """Measure and judge ``learner`` (DESIGN §2–6). Never raises for a misbehaving learner:
    that becomes a :class:`Result` with a diagnosis."""
    config = config or CheckConfig()
    t0 = time.perf_counter()
    meter = Meter(learner, timeout=config.timeout)
    answered: list = []
    try:
        problem = _probe(learner, meter, config.seed, answered)
    except MissingDependency as exc:
        return _no_verdict(learner, meter, t0, f"skipped: {exc}", skipped=True)
    if problem is not None and problem.kind is Diagnosis.ERROR:  # raised on every probe
        problem = _retry_with_positive_labels(learner, meter, config.seed, answered, problem)
    if problem is None and learner.randomized and not _depends_on_seed(meter, answered):
        meter.fixed_seed = 0  # takes rng but ignores it: check it as a deterministic learner
    if problem is not None:
        return _failure(learner, problem.kind, problem.message, meter, t0, detail=problem.detail, warnings=_warnings(meter, []))
    meter.precision = input_precision(meter, answered)
    per_seed = learner.randomized and meter.fixed_seed is None
    if per_seed and not _invariant_seed_by_seed(meter, config.seed):
        return _in_distribution(learner, meter, config, t0)

    budget = config.effective_budget
    orth_run, orth = _run_property("orthogonal", orthogonal_cases(), budget.orthogonal, learner, meter, config, sweep=budget.sweep)
    runs = [orth_run]
    reports = [orth]
    if orth_run.fatal is None:
        pm1_run, pm1 = _run_property("pm1", twin_cases(), budget.pm1, learner, meter, config)
        runs.append(pm1_run)
        reports.append(pm1)
    if per_seed and not (all(r.fatal is None for r in runs) and all(r.passed for r in reports)):
        return _in_distribution(learner, meter, config, t0)
    for run in runs:
        if run.fatal is not None:
            where = ""
            if run.fatal_case is not None:
                c = run.fatal_case
                where = f" during the {run.name} search (d={c.d}, n={c.n}, m={c.m})"
            return _failure(learner, run.fatal.kind, f"{run.fatal}{where}", meter, t0, detail=run.fatal.detail, warnings=_warnings(meter, reports))
    pm1 = reports[1]
    judgement = judge(orth, pm1)
    if per_seed:  # here both searches passed with one seed per example on both sides
        judgement = replace(
            judgement,
            why="randomised, but equal seed by seed: both sides of every example drew from the same seed (one "
            "seed per example), so no test of the law is needed",
        )
    signed = perm = None
    if not (orth.passed and pm1.passed):
        _, signed = _run_property(
            "signed-permutation",
            orthogonal_cases(families=("signed-permutation",), property_name="signed-permutation"),
            budget.symmetry, learner, meter, config,
        )
        reports.append(signed)
        if not signed.passed:
            _, perm = _run_property(
                "permutation",
                orthogonal_cases(families=("permutation",), property_name="permutation"),
                budget.symmetry, learner, meter, config,
            )
            reports.append(perm)
    symmetry = symmetry_of(signed, perm, orthogonal_ok=orth.passed and pm1.passed)
    counterexamples = {r.name: r.counterexample for r in reports if r.counterexample is not None}
    primary = counterexamples.get(judgement.primary) if judgement.primary else None
    message = _message(judgement.verdict, judgement.why, orth, pm1, primary)
    return Result(
        target=learner.target,
        name=learner.name,
        verdict=judgement.verdict,
        diagnosis=None,
        expected=learner.expected,
        reason=learner.reason,
        deviation={"orthogonal": orth.max_deviation, "pm1": pm1.max_deviation},
        symmetry=symmetry,
        counterexample=primary,
        evaluations=meter.evaluations,
        seconds=time.perf_counter() - t0,
        message=message,
        properties={r.name: r for r in reports},
        counterexamples=counterexamples,
        warnings=tuple(_warnings(meter, reports)),
    )


def _message(verdict: Verdict, why: str, orth: PropertyReport, pm1: PropertyReport, cx) -> str:
    parts = [f"{verdict.value}: {why}"]
    parts.append(f"generic data: max deviation {_fmt(orth.max_deviation)} over {orth.examples} examples")
    parts.append(f"±1 twins: max deviation {_fmt(pm1.max_deviation)} over {pm1.examples} examples")
    if cx is not None:
        parts.append(
            f"counterexample ({cx.property}): d={cx.d}, n={cx.n}, m={cx.m}, {cx.U_description}, deviation {_fmt(cx.deviation)}"
            f" > threshold {_fmt(cx.threshold)}"
        )
    return "; ".join(parts)


def _fmt(x: float | None) -> str:
    if x is None:
        return "n/a"
    if not np.isfinite(x):
        return "∞ (one side failed)"
    return f"{x:.1e}"


def with_expected(learner: Learner, verdict: Verdict | None) -> Learner:
    return replace(learner, expected=verdict) if verdict is not None else learner
