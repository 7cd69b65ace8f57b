"""Running one report section (:mod:`invariance.report.measure` says which sections): load its
learners, check them, tune and measure their learning curves, and gather the numbers in a
:class:`SectionMeasurement` (nothing judged, nothing rendered)."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from invariance.contract import Learner
from invariance.curves.experiment import Curves, configure, learning_curves
from invariance.curves.hyperparams import curve_settings
from invariance.errors import LearnerFailure
from invariance.pipeline import CheckConfig
from invariance.report.plan import CurvePlan, SectionSpec
from invariance.result.model import Result
from invariance.workers import Workers

__all__ = ["SectionMeasurement", "load_section", "measure_learners"]


@dataclass(frozen=True)
class SectionMeasurement:
    """Everything measured for one section; nothing judged yet."""

    spec: SectionSpec
    learners: tuple[Learner, ...] = ()
    results: tuple[Result, ...] = ()
    curves: dict[str, Curves] = field(default_factory=dict)  # run key (problem) → curves of the learners that ran
    settings: dict[str, dict] = field(default_factory=dict)  # target → run key → curve hyperparameters used
    curve_failures: dict[str, str] = field(default_factory=dict)  # target → why it has no curve
    seconds: dict[str, float] = field(default_factory=dict)
    omitted: str | None = None  # why the whole section is missing (a dependency is absent)
    reasons: dict[str, str] = field(default_factory=dict)  # target → why it cannot fit (curated), if known


def load_section(spec: SectionSpec, *, curves: bool = False) -> list[Learner]:
    """The learners of ``spec``, once each, in the section's order: as checked (with the section's
    check options), or with ``curves`` as their curves run (without them)."""
    from invariance.targets import load

    options = {} if curves else dict(spec.check_options)
    seen: set[str] = set()
    out: list[Learner] = []
    for target in spec.targets:
        for learner in load(target, options=options):
            if learner.target not in seen:
                seen.add(learner.target)
                out.append(learner)
    if spec.order:
        rank = {n: i for i, n in enumerate(spec.order)}
        out.sort(key=lambda lrn: rank.get(lrn.name, len(rank)))  # stable: the unlisted keep load order
    return out


def _merge(parts: list[Curves]) -> Curves:
    """Curves measured separately, as one object (each learner's numbers depend only on the seed,
    the trial and its own target, so they equal those of a joint run)."""
    first = parts[0]
    return replace(
        first,
        targets=sum((c.targets for c in parts), ()),
        names=sum((c.names for c in parts), ()),
        losses=np.concatenate([c.losses for c in parts], axis=1),
        seconds=sum((c.seconds for c in parts), ()),
        train=None if any(c.train is None for c in parts) else np.concatenate([c.train for c in parts], axis=1),
        settings={k: v for c in parts for k, v in c.settings.items()},
        tuning={k: v for c in parts for k, v in c.tuning.items()},
    )


def _curves(learners: list[Learner], problem: str, d: int, plan: CurvePlan, seed: int, workers: Workers | None,
            settings: dict, tuning: dict) -> tuple[Curves | None, dict[str, str]]:
    """All learners' curves at once; if one fails, each on its own so that the others still get one."""
    kw: dict[str, Any] = dict(problem=problem, d=d, trials=plan.trials, seed=seed, ks=plan.ks(problem, d),
                              workers=workers, settings=settings, tuning=tuning)
    with warnings.catch_warnings():  # a learner's convergence warnings are its business (local workers get the filters)
        warnings.simplefilter("ignore")
        try:
            return learning_curves(learners, **kw), {}
        except LearnerFailure:
            pass
        good, failures = [], {}
        for learner in learners:
            try:
                good.append(learning_curves([learner], **kw))
            except LearnerFailure as exc:
                failures[learner.target] = f"{problem}: {exc}"
    return (_merge(good) if good else None), failures


def measure_learners(spec: SectionSpec, learners: list[Learner], config: CheckConfig, seed: int,
                     workers: Workers | None, say: Callable[[str], None],
                     hint_seconds: Mapping[str, float] | None = None) -> SectionMeasurement:
    """Check ``learners`` (the section's, loaded) and, if the section has a curve plan, tune and
    measure the curves of those the checker could judge: :func:`invariance.report.measure.measure_section`
    without the dependency check. ``hint_seconds`` (target → its check's seconds in an earlier report)
    orders the checks, longest first (:func:`invariance.parallel.check_all`)."""
    from invariance.curves.fitting import tune_all
    from invariance.curves.hyperparams import no_fit_reason
    from invariance.parallel import check_all

    t0 = time.perf_counter()
    say(f"{spec.key}: checking {len(learners)} learners")
    if config.max_examples is None and spec.max_examples is not None:
        config = replace(config, max_examples=spec.max_examples)
    if spec.samples is not None and config.samples > spec.samples:
        config = replace(config, samples=spec.samples)
    if spec.check_options:  # workers re-load every learner with the configuration's options
        config = replace(config, options={**config.options, **dict(spec.check_options)})
    results = check_all(learners, config, workers=workers, seconds=hint_seconds)
    seconds = {"checks": time.perf_counter() - t0}
    if spec.plan is None:
        return SectionMeasurement(spec, tuple(learners), tuple(results), seconds=seconds)
    runnable = [lrn for lrn, r in zip(learners, results, strict=True) if r.diagnosis is None and not r.skipped]
    if spec.check_options:  # the curves run the targets as loaded without the check options
        plain = {lrn.target: lrn for lrn in load_section(spec, curves=True)}
        runnable = [plain[lrn.target] for lrn in runnable if lrn.target in plain]
    curves: dict[str, Curves] = {}
    failures: dict[str, str] = {}
    settings: dict[str, dict] = {lrn.target: {} for lrn in runnable}
    tune_s = curve_s = 0.0
    for key, problem, d in spec.plan.runs():
        t1 = time.perf_counter()
        say(f"{spec.key}: tuning {len(runnable)} learners on {problem}, d={d}")
        with warnings.catch_warnings():  # convergence warnings of grid points are the learner's business
            warnings.simplefilter("ignore")
            tuned = tune_all(runnable, problem, d, seed=seed, centres=[curve_settings(lrn, d) for lrn in runnable],
                             fixed=[set(spec.tune_fixed) for _ in runnable], workers=workers)
        chosen = {lrn.target: s for lrn, (s, _) in zip(runnable, tuned, strict=True)}
        records = {lrn.target: r for lrn, (_, r) in zip(runnable, tuned, strict=True)}
        for target, s in chosen.items():
            settings[target][key] = s
        configured = [configure(lrn, chosen[lrn.target]) for lrn in runnable]
        t2 = time.perf_counter()
        say(f"{spec.key}: {problem} curves, d={d}, {spec.plan.trials} trials")
        got, failed = _curves(configured, problem, d, spec.plan, seed, workers, chosen, records)
        for target, why in failed.items():
            failures.setdefault(target, why)
        if got is not None:
            curves[key] = got
        tune_s += t2 - t1
        curve_s += time.perf_counter() - t2
    seconds["tuning"], seconds["curves"] = tune_s, curve_s
    reasons = {lrn.target: reason for lrn in runnable if (reason := no_fit_reason(lrn)) is not None}
    return SectionMeasurement(spec, tuple(learners), tuple(results), curves, settings, failures, seconds,
                              reasons=reasons)
