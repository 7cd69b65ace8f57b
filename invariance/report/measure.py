"""Measuring the invariance report: which learners, which curve settings, and the runs themselves.

A report has sections (:class:`SectionSpec`): the built-in learners (``algorithms``), the dense
``torch.optim`` optimizers and a dozen scikit-learn regressors (:mod:`invariance.report.zoo_sklearn`), or
the TARGETs given on the command line. :func:`measure_section` checks every learner of a section with
the checker (:func:`invariance.parallel.check_all`) and measures its learning curves
(:func:`invariance.curves.learning_curves`); it returns numbers and results only, no judging or
rendering (:mod:`invariance.report.build` builds with the judge's curve rule, :mod:`invariance.report.render` renders).
This module says what the sections are; :mod:`invariance.report.runs` runs one.

Curve settings. Built-ins use :data:`invariance.curves.PAPER_SETTINGS`. The torch optimizers train
the adapter's linear neuron from w = 0, one example per step, :data:`TORCH_PASSES` passes, with the
learning rate of :data:`TORCH_CURVE_SETTINGS` (chosen by ``benchmarks/tune_report_torch.py``);
the scikit-learn regressors run as defined in the zoo. Every setting used is recorded in the report.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from invariance.curves.hyperparams import (
    TORCH_CURVE_SETTINGS,
    TORCH_OPTIMIZERS,
    TORCH_PASSES,
    TORCH_UNITS,
    curve_settings,
)
from invariance.errors import one_line
from invariance.pipeline import CheckConfig
from invariance.report.plan import CurvePlan, SectionSpec  # re-exported: defined here before
from invariance.report.runs import (  # re-exported: the runs were defined here
    SectionMeasurement,
    load_section,
    measure_learners,
)
from invariance.threads import one_thread
from invariance.workers import Workers

if TYPE_CHECKING:
    from invariance.report.atlas import Library

__all__ = [
    "earlier_seconds",
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
#: The learners of the follow-up sections, their trials and the logistic dimensions.
NOISY_TARGETS = (
    "algorithms.least_squares", "algorithms.gd", "algorithms.adagrad_diag", "algorithms.egu", "algorithms.eg_pm",
    "algorithms.spindly", "algorithms.spindly_pm",
)
NOISY_TRIALS = 4  # × --trials: the excess risk is heavy-tailed near n = d
NOISY_DIMS = (1, 2, 4)  # × d/4: 32, 64, 128 at the default d = 128
LOGISTIC_TARGETS = ("algorithms.logistic_gd", "algorithms.logistic_uv")
LOGISTIC_DIMS = (1, 2, 4, 8)  # × d/4: 32, 64, 128, 256 at the default d = 128
#: the smallest --d the default sections' curves can use (the logistic section starts at d/4 ≥ s = 4)
MIN_REPORT_D = 16
#: Optimizers that accept sparse gradients only: listed with their diagnosis, no curve.
TORCH_SPARSE_ONLY = ("SparseAdam",)


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def default_sections(*, d: int = 128, trials: int = 5, k_step: int | None = None, curves: bool = True,
                     atlas: bool = True) -> list[SectionSpec]:
    """The report without TARGETs: built-ins (every k), torch.optim and scikit-learn (k = d/16, 2d/16, …, d),
    then the follow-up problems: noisy regression at d/4, d/2, d (n every d/64 at d/4, the step scaled
    with d, up to 4d; 4 × trials) and sparse
    logistic regression at d/4, d/2, d, 2d (32, 64, 128, 256 by default; n every d/32 at d/4, the step
    scaled with d, up to 4d).

    ``k_step`` overrides the k grid of the first three sections; ``curves=False`` measures verdicts only.
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
        SectionSpec(
            "noisy", "Noisy regression past n = d (Warmuth, Kotłowski, Jones & Amid, ALT 2025)",
            "x ~ N(0, I), y = x₁ + σε with σ = 1, n swept to 4d, each n its own draw, at three d; "
            "excess risk ‖ŵ − e₁‖² (exact for linear learners), "
            "against least squares' expected excess risk σ²d/(n − d − 1). Least "
            "squares sits on it; GD and diagonal AdaGrad, early-stopped at the passes their fit needed, a little "
            "below; the sparse learners (EGU, EG±, spindly) far below it past n = d.",
            NOISY_TARGETS,
            CurvePlan(d // 4, NOISY_TRIALS * trials, max(1, d // 64), ("noisy",), tuple(f * d // 4 for f in NOISY_DIMS))
            if curves else None,
        ),
        SectionSpec(
            "logistic", "Sparse logistic regression (Ghosh, Yu, Warmuth & Bartlett, ICML 2026)",
            "x ~ N(0, I), labels ±1 from a logistic model on s = 4 of d features (‖w*‖ = 2), n swept to 4d, "
            "each n its own draw; excess logistic risk. GD on the logistic loss is rotation invariant "
            "(rate (d − 1)/n); GD on w = u⊙v is not (rate s·log d / n).",
            LOGISTIC_TARGETS,
            CurvePlan(d // 4, trials, max(1, d // 32), ("logistic",), tuple(f * d // 4 for f in LOGISTIC_DIMS))
            if curves else None,
        ),
    ] + (atlas_sections(d=d, curves=curves) if atlas else [])


#: the atlas's curves: the Hadamard problem only, one trial, k every d/8 (and d/2)
ATLAS_TRIALS = 1
ATLAS_K_STEPS = 8


def atlas_sections(*, d: int = 128, curves: bool = True, libraries: Sequence[Library] | None = None,
                   samples: int | None = None) -> list[SectionSpec]:
    """One section per optimizer library (default: :data:`invariance.report.atlas.LIBRARIES`, the report's;
    ``invcheck atlas PACKAGE…`` gives its own, :func:`~invariance.report.atlas.library_for`); a library that
    is not installed gives an omitted section (with the extra that installs it). ``samples``: seeds per side
    for randomised rows (default :data:`~invariance.report.atlas.SAMPLES`)."""
    from invariance.report import atlas

    out = []
    for lib in atlas.LIBRARIES if libraries is None else libraries:
        have = atlas.installed(lib)
        version = atlas.version(lib) if have else None
        broken = None
        try:
            targets = atlas.targets_of(lib) if have else ()
            again = atlas.reexports(lib) if have else ()
        except Exception as exc:  # installed but unusable (a torch build it was not made for): a note, not a crash
            targets, again = (), ()
            broken = (f"{lib.module} is installed but fails to import "
                      f"({one_line(exc, 120)})")
        where = f"{lib.module} {version}" if version else lib.module
        description = (
            f"Every optimizer {where} exports ({len(targets)} rows), checked on a linear layer W ∈ R^{{3×d}} "
            "(zero start, ½‖Wx − y‖², one example per step, 3 passes, the optimizer's own defaults): the input "
            f"side and the output side (Y ↦ YVᵀ), {atlas.MAX_EXAMPLES} examples per property. Hadamard curve: the "
            f"linear neuron at d = {d}, {ATLAS_TRIALS} trial, k every d/{ATLAS_K_STEPS}, the learning rate tuned "
            "around the optimizer's own (3 passes). Each row's reason cites the source line that decides it "
            "(docs/optimizers.md)."
        )
        if again:
            description += f" Re-exports of torch.optim ({', '.join(again)}) are rows of that section."
        if lib.key in atlas.WRAPPERS:
            description += (" Wrappers that need a base optimizer are rows with their diagnosis; two are also checked "
                            "as instance factories (lookahead_adam, sam_sgd).")
        out.append(SectionSpec(
            lib.key, f"Optimizer atlas: {lib.module}" + (f" {version}" if version else ""), description, targets,
            CurvePlan(d, ATLAS_TRIALS, max(1, d // ATLAS_K_STEPS), ("hadamard",)) if curves else None,
            requires=lib.module.split(".")[0], install=f"pip install 'invcheck[{lib.extra}]'",
            check_options=atlas.CHECK_OPTIONS, max_examples=atlas.MAX_EXAMPLES, samples=samples or atlas.SAMPLES,
            tune_fixed=("passes",), kind="atlas", broken=broken,
        ))
    return out


def _sklearn_targets() -> tuple[str, ...]:
    if not _has("sklearn"):
        return ()
    from invariance.report.zoo_sklearn import ZOO

    return tuple(f"invariance.report.zoo_sklearn:{n}" for n in ZOO)


def target_section(targets: list[str], *, d: int = 128, trials: int = 5, k_step: int | None = None,
                   curves: bool = True) -> SectionSpec:
    """A single section for the TARGETs named on the command line (every k unless ``k_step``)."""
    return SectionSpec(
        "targets", "Selected learners", "The TARGETs named on the command line.", tuple(targets),
        CurvePlan(d, trials, k_step or 1) if curves else None,
    )


def earlier_seconds(folder: str) -> dict[str, dict[str, float]]:
    """Section key → target → seconds its check took, from the report an earlier run wrote to ``folder``
    (``invariance.json``); empty where there is none or it cannot be read, and without a section whose rows
    and results do not line up (target for target) or a time that is not a finite number of seconds. Only a
    schedule reads it (:func:`measure_section`'s ``hint_seconds``): nothing measured depends on it."""
    import json
    import math
    import os

    try:
        with open(os.path.join(folder, "invariance.json"), encoding="utf-8") as fh:
            old = json.load(fh)
        out: dict[str, dict[str, float]] = {}
        results, i = old["results"], 0
        for sec in old["sections"]:
            rows, got = sec["rows"], results[i:i + len(sec["rows"])]
            i += len(rows)
            if [r.get("target") for r in rows] != [r.get("target") for r in got]:
                continue
            out[sec["key"]] = {r["target"]: float(r["seconds"]) for r in got
                               if type(r.get("seconds")) in (int, float) and math.isfinite(r["seconds"])}
        return out
    except Exception:  # noqa: BLE001 - a hint only: whatever the file holds, the run goes on in unit order
        return {}


def measure_section(
    spec: SectionSpec,
    config: CheckConfig,
    *,
    seed: int = 0,
    workers: Workers | None = None,
    progress: Callable[[str], None] | None = None,
    hint_seconds: Mapping[str, float] | None = None,
) -> SectionMeasurement:
    """Check every learner of ``spec`` and, if it has a curve plan, tune and measure its learning curves.
    ``hint_seconds`` (target → its check's seconds in an earlier report, :func:`earlier_seconds`) only
    orders the checks, longest first.

    A section whose dependency is missing comes back with ``omitted`` set instead of raising. A
    learner the checker could not judge (a diagnosis, or skipped) gets no curve. ``workers``
    (:class:`invariance.workers.Workers`; default: this process) says where the checks, the tuning and
    the curves run.
    """
    if spec.requires is not None and not _has(spec.requires):
        return SectionMeasurement(spec, omitted=f"{spec.requires} is not installed ({spec.install}); section omitted")
    if spec.broken is not None:
        return SectionMeasurement(spec, omitted=f"{spec.broken}; section omitted")
    say = progress or (lambda _msg: None)
    learners = load_section(spec)
    with one_thread():
        return measure_learners(spec, learners, config, seed, workers, say, hint_seconds)
