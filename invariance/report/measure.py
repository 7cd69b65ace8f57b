"""Measuring the invariance report: which learners, which curve settings, and the runs themselves.

A report has sections (:class:`SectionSpec`): the built-in learners (``algorithms``), the dense
``torch.optim`` optimizers and a dozen scikit-learn regressors (:mod:`invariance.report.zoo_sklearn`), or
the TARGETs given on the command line. :func:`measure_section` checks every learner of a section with
the checker (:func:`invariance.parallel.check_all`) and measures its learning curves
(:func:`invariance.curves.learning_curves`); it returns numbers and results only, no judging or
rendering (:mod:`invariance.report.build` builds with the judge's curve rule, :mod:`invariance.report.render` renders).

Curve settings. Built-ins use :data:`invariance.curves.PAPER_SETTINGS`. The torch optimizers train
the adapter's linear neuron from w = 0, one example per step, :data:`TORCH_PASSES` passes, with the
learning rate of :data:`TORCH_CURVE_SETTINGS` (chosen by ``benchmarks/tune_report_torch.py``);
the scikit-learn regressors run as defined in the zoo. Every setting used is recorded in the report.
"""

from __future__ import annotations

import importlib.util
import math
import time
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

from invariance.pipeline import CheckConfig
from invariance.curves.experiment import Curves, PerD, configure, k_grid, learning_curves, paper_settings_for
from invariance.errors import LearnerFailure
from invariance.contract import Learner
from invariance.result.model import Result
from invariance.threads import one_thread

__all__ = [
    "BUILTIN_ORDER",
    "TORCH_OPTIMIZERS",
    "TORCH_SPARSE_ONLY",
    "TORCH_UNITS",
    "TORCH_PASSES",
    "TORCH_CURVE_SETTINGS",
    "CurvePlan",
    "SectionSpec",
    "SectionMeasurement",
    "default_sections",
    "target_section",
    "load_section",
    "curve_settings",
    "measure_section",
]

#: Report order of the built-ins: invariant, ±1-invariant, not invariant, then the randomised
#: network learners; a learner not listed here follows in load order.
BUILTIN_ORDER = (
    "least_squares", "gd", "newton", "vaw", "adagrad_full", "adagrad_diag", "adam",
    "adagrad_diag_batch", "egu", "eg_pm", "spindly", "spindly_pm", "private_lr", "mlp", "mlp_spindly",
)
#: Every dense optimizer of ``torch.optim`` (torch 2.13), in the order of the issue.
TORCH_OPTIMIZERS = (
    "Adafactor", "Muon", "Adadelta", "Adagrad", "Adam", "Adamax", "AdamW", "ASGD", "LBFGS", "NAdam",
    "RAdam", "RMSprop", "Rprop", "SGD",
)
#: Optimizers that accept sparse gradients only: listed with their diagnosis, no curve.
TORCH_SPARSE_ONLY = ("SparseAdam",)
#: The unit of each optimizer's learning rate on ±1 rows (‖x‖² = ‖x‖₁ = d): gradient and
#: per-coordinate steps move a prediction by lr·d, Muon's unit-spectral-norm step by lr·√d, and
#: Adafactor (steps relative to ‖w‖) and Adadelta (self-scaled steps) are unit-free.
TORCH_UNITS = {name: "1/d" for name in TORCH_OPTIMIZERS} | {"Muon": "1/sqrt(d)", "Adafactor": "1", "Adadelta": "1", "LBFGS": "1"}
#: Passes over the k training examples for the torch curves (the adapter's default for the verdict).
TORCH_PASSES = 3

_UNIT = {"1/d": lambda c: PerD(lambda d: c / d, f"{c:g}/d"), "1/sqrt(d)": lambda c: PerD(lambda d: c / math.sqrt(d), f"{c:g}/√d"),
         "1": lambda c: c}
#: ``c`` per optimizer in the unit of :data:`TORCH_UNITS`: the value from the grid of
#: ``benchmarks/tune_report_torch.py`` (c ∈ 2⁻⁶…2⁴, or 0.01…10 where unit-free; d = 128, seed 1,
#: 3 passes) with the smallest worst training loss at k = 14 and k = d/2 on two Hadamard and two
#: random ±1 draws (the consistency rule of ``PAPER_SETTINGS``), NaN and overflow excluded.
_TORCH_C = {
    "Adafactor": 1.0,  # its step is relative to ‖w‖ (floor 1e-3) and capped at 1/√t: c ≥ 1 all alike
    "Muon": 0.125,
    "Adadelta": 1.0,
    "Adagrad": 4.0,
    "Adam": 1.0,
    "Adamax": 1.0,
    "AdamW": 1.0,
    "ASGD": 1.0,  # ≈ SGD here: its averaging starts at t0 = 1e6 steps, its decay λ = 1e-4 is tiny
    "LBFGS": 0.03,  # not an online method: every rate ≥ 0.1 diverges, and 0.03 barely moves
    "NAdam": 1.0,
    "RAdam": 1.0,
    "RMSprop": 0.5,
    "Rprop": 1 / 32,  # the initial per-coordinate step; Rprop grows it ×1.2 while signs agree
    "SGD": 1.0,  # lr = 1/d fits each ±1 example exactly (Kaczmarz): min-norm least squares on Hadamard
}
TORCH_CURVE_SETTINGS: dict[str, dict[str, Any]] = {
    name: {"lr": _UNIT[TORCH_UNITS[name]](_TORCH_C[name]), "passes": TORCH_PASSES} for name in TORCH_OPTIMIZERS
}


@dataclass(frozen=True)
class CurvePlan:
    """Which learning curves a section measures: dimension, trials, ks (:meth:`ks`) and problems."""

    d: int
    trials: int
    k_step: int = 1
    problems: tuple[str, ...] = ("hadamard", "pm1")

    def ks(self) -> list[int]:
        """``k_step, 2·k_step, …`` up to d, plus d/2 and d (every k in 1..d when ``k_step`` is 1).

        Multiples rather than ``1, 1 + step, …``: a coarse grid then skips k = 1, which estimators that
        need two or three samples (ARD, PLS, k-nearest neighbours) refuse."""
        return k_grid(self.d, ks=sorted(set(range(self.k_step, self.d + 1, self.k_step)) | {self.d}))

    def to_json(self) -> dict:
        return {"d": self.d, "trials": self.trials, "k_step": self.k_step, "problems": list(self.problems), "ks": self.ks()}


@dataclass(frozen=True)
class SectionSpec:
    """One part of the report: a title, the targets that load its learners, its curve plan."""

    key: str
    title: str
    description: str
    targets: tuple[str, ...]
    plan: CurvePlan | None
    requires: str | None = None  # a module that must be importable (torch, sklearn)
    install: str | None = None  # how to get it
    order: tuple[str, ...] = ()  # preferred order of the learners by name


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def default_sections(*, d: int = 128, trials: int = 5, k_step: int | None = None, curves: bool = True) -> list[SectionSpec]:
    """The report without TARGETs: built-ins (every k), torch.optim and scikit-learn (k = d/16, 2d/16, …, d).

    ``k_step`` overrides the k grid of every section; ``curves=False`` measures verdicts only.
    """
    coarse = k_step if k_step is not None else max(1, d // 16)
    fine = k_step if k_step is not None else 1
    plan = (lambda step: CurvePlan(d, trials, step)) if curves else (lambda step: None)
    return [
        SectionSpec(
            "builtins", "Built-in learners (algorithms)",
            "The learners of the paper, one module each in algorithms/, with their declared verdicts.",
            ("algorithms",), plan(fine), order=BUILTIN_ORDER,
        ),
        SectionSpec(
            "torch", "torch.optim optimizers",
            "Each optimizer trains a linear neuron (nn.Linear(d, 1, bias=False), w = 0) on square loss, one "
            "example per step (the paper's online protocol). SparseAdam takes sparse gradients only.",
            tuple(f"torch.optim:{n}" for n in TORCH_OPTIMIZERS + TORCH_SPARSE_ONLY), plan(coarse),
            requires="torch", install="pip install 'invcheck[torch]'",
        ),
        SectionSpec(
            "sklearn", "scikit-learn regressors",
            "Named instances in invariance/zoo_sklearn.py, each fitted on a fresh clone for every call.",
            _sklearn_targets(), plan(coarse), requires="sklearn", install="pip install 'invcheck[sklearn]'",
        ),
    ]


def _sklearn_targets() -> tuple[str, ...]:
    if not _has("sklearn"):
        return ()
    from invariance.report.zoo_sklearn import ZOO

    return tuple(f"invariance.report.zoo_sklearn:{n}" for n in ZOO)


def target_section(targets: list[str], *, d: int = 128, trials: int = 5, k_step: int | None = None, curves: bool = True) -> SectionSpec:
    """A single section for the TARGETs named on the command line (every k unless ``k_step``)."""
    return SectionSpec(
        "targets", "Selected learners", "The TARGETs named on the command line.", tuple(targets),
        CurvePlan(d, trials, k_step or 1) if curves else None,
    )


def curve_settings(learner: Learner, d: int) -> dict[str, Any]:
    """The hyperparameters the report's curves use for ``learner`` in dimension d (resolved numbers)."""
    paper = paper_settings_for(learner, d)
    if paper:
        return paper
    module, _, name = learner.target.partition(":")
    if module == "torch.optim" and name in TORCH_CURVE_SETTINGS:
        return {k: (v(d) if isinstance(v, PerD) else v) for k, v in TORCH_CURVE_SETTINGS[name].items()}
    return {}


@dataclass(frozen=True)
class SectionMeasurement:
    """Everything measured for one section; nothing judged yet."""

    spec: SectionSpec
    learners: tuple[Learner, ...] = ()
    results: tuple[Result, ...] = ()
    curves: dict[str, Curves] = field(default_factory=dict)  # problem → curves of the learners that ran
    settings: dict[str, dict] = field(default_factory=dict)  # target → curve hyperparameters used
    curve_failures: dict[str, str] = field(default_factory=dict)  # target → why it has no curve
    seconds: dict[str, float] = field(default_factory=dict)
    omitted: str | None = None  # why the whole section is missing (a dependency is absent)


def load_section(spec: SectionSpec) -> list[Learner]:
    """The learners of ``spec``, once each, in the section's order."""
    from invariance.targets import load

    seen: set[str] = set()
    out: list[Learner] = []
    for target in spec.targets:
        for learner in load(target):
            if learner.target not in seen:
                seen.add(learner.target)
                out.append(learner)
    if spec.order:
        rank = {n: i for i, n in enumerate(spec.order)}
        out.sort(key=lambda l: rank.get(l.name, len(rank)))  # stable: the unlisted keep load order
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
    )


def _curves(learners: list[Learner], problem: str, plan: CurvePlan, seed: int, jobs: int) -> tuple[Curves | None, dict[str, str]]:
    """All learners' curves at once; if one fails, each on its own so that the others still get one."""
    kw = dict(problem=problem, d=plan.d, trials=plan.trials, seed=seed, ks=plan.ks(), jobs=jobs)
    with warnings.catch_warnings():  # a learner's convergence warnings are its business (forked workers inherit this)
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


def measure_section(
    spec: SectionSpec,
    config: CheckConfig,
    *,
    jobs: int = 1,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> SectionMeasurement:
    """Check every learner of ``spec`` and, if it has a curve plan, measure its learning curves.

    A section whose dependency is missing comes back with ``omitted`` set instead of raising. A
    learner the checker could not judge (a diagnosis, or skipped) gets no curve.
    """
    if spec.requires is not None and not _has(spec.requires):
        return SectionMeasurement(spec, omitted=f"{spec.requires} is not installed ({spec.install}); section omitted")
    say = progress or (lambda _msg: None)
    learners = load_section(spec)
    with one_thread():
        return _measure(spec, learners, config, jobs, seed, say)


def _measure(spec, learners, config, jobs, seed, say) -> SectionMeasurement:
    from invariance.parallel import check_all

    t0 = time.perf_counter()
    say(f"{spec.key}: checking {len(learners)} learners")
    results = check_all(learners, config, jobs=jobs)
    seconds = {"checks": time.perf_counter() - t0}
    if spec.plan is None:
        return SectionMeasurement(spec, tuple(learners), tuple(results), seconds=seconds)
    t1 = time.perf_counter()
    runnable = [(l, r) for l, r in zip(learners, results) if r.diagnosis is None and not r.skipped]
    settings = {l.target: curve_settings(l, spec.plan.d) for l, _ in runnable}
    configured = [configure(l, settings[l.target]) for l, _ in runnable]
    curves: dict[str, Curves] = {}
    failures: dict[str, str] = {}
    for problem in spec.plan.problems:
        say(f"{spec.key}: {problem} curves, d={spec.plan.d}, {spec.plan.trials} trials")
        got, failed = _curves(configured, problem, spec.plan, seed, jobs)
        for target, why in failed.items():
            failures.setdefault(target, why)
        if got is not None:
            curves[problem] = got
    seconds["curves"] = time.perf_counter() - t1
    return SectionMeasurement(spec, tuple(learners), tuple(results), curves, settings, failures, seconds)
