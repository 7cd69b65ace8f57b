"""The invariance report's data: verdicts beside learning curves, as a frozen :class:`Report`.

Three steps, as everywhere in invcheck: :mod:`invariance.report.measure` *measures* (verdicts by the
checker, learning curves by :mod:`invariance.curves`); this module *builds* the report with a pure
function (:func:`build_report`) and its JSON form, asking :func:`invariance.render.flags.curve_flags`
(the judge's :func:`invariance.judge.curve_findings`, worded) to confront each verdict with its
Hadamard curve (docs/design.md#learning-curves); :mod:`invariance.report.render` renders it as
Markdown and self-contained HTML. The types (:class:`Row`, :class:`Section`, :class:`Report`) are
:mod:`invariance.report.model`.

The judgement. Every learner that is invariant — exactly, on ±1 data with one example per step, or in
distribution — has mean loss ≥ 1 − k/d on the sign-flipped Hadamard problem (Warmuth, Kotłowski &
Amid, ALT 2021). A learner with such a verdict whose curve dips more than ``margin`` + 3 standard
errors of its mean below the bound is a **contradiction**: the verdict or the curve is wrong. A
``not-invariant`` learner whose curve never dips below it is allowed (not being invariant is necessary
for beating the bound, not sufficient) and gets a **note**.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from invariance.curves.experiment import Curves, finite_or_none
from invariance.judge import CLAIMS
from invariance.render.flags import Flag, curve_flags, fit_flag, fit_reason
from invariance.render.numbers import deviation_cell
from invariance.report.measure import SectionMeasurement
from invariance.report.model import (  # re-exported: the report's types live there
    MARGIN,
    Report,
    Row,
    Section,
    compact_counterexample,
)
from invariance.result.model import Result
from invariance.verdict import FlagKind

__all__ = [
    "MARGIN",
    "CLAIMS",
    "Flag",
    "Row",
    "Section",
    "Report",
    "curve_flags",
    "compact_counterexample",
    "build_section",
    "followup_summary",
    "build_report",
    "report_json",
]

def _curve_values(curves: dict[str, Curves],
                  target: str) -> tuple[float | None, float | None, int | None, tuple | None]:
    """(Hadamard loss at d/2, ±1 loss at d/2, first k below 0.1 on Hadamard, (d, ks, mean, bound, se))."""
    out: dict[str, Any] = {}
    for problem, c in curves.items():
        if target not in c.targets:
            continue
        i = c.targets.index(target)
        mean = c.mean()[i]
        curve = (c.d, c.ks, mean, c.bound, float(c.sem()[i]))
        out[problem] = (float(mean[c.ks.index(c.d // 2)]), c.first_below(0.1)[i], curve)
    had = out.get("hadamard")
    pm1 = out.get("pm1")
    return (
        had[0] if had else None,
        pm1[0] if pm1 else None,
        had[1] if had else None,
        had[2] if had else None,
    )


def _fit_of(curves: dict[str, Curves], target: str) -> dict[str, dict]:
    out = {}
    for key, c in curves.items():
        if target in c.targets and c.train is not None:
            out[key] = c.fit_at(c.d // 2)[c.targets.index(target)]
    return out


def _problem_title(c: Curves) -> str:
    """The problem a curve is on, in words ("random ±1", "sign-flipped Hadamard", …)."""
    from invariance.curves.problems import problem_title

    return problem_title(c.problem)


def _fit_flags(row_fit: dict[str, dict], curves: dict[str, Curves], target: str,
               curated: str | None) -> tuple[Flag, ...]:
    bad = [k for k, f in row_fit.items() if not f.get("fits", True)]
    if not bad:
        return ()
    first = row_fit[bad[0]]
    why = fit_reason(curves[bad[0]].tuning.get(target), curated, first["train_loss"])
    flag = fit_flag(first["k"], first["train_loss"], first["target_loss"], why, _problem_title(curves[bad[0]]))
    if flag is None:
        return ()
    if len(bad) > 1:
        parts = [f"{k} "
                 f"{('non-finite' if row_fit[k]['train_loss'] is None else format(row_fit[k]['train_loss'], '.3g'))}"
                 for k in bad]
        flag = Flag(flag.kind, flag.text + f" (training loss at d/2 on {', '.join(parts)})")
    return (flag,)


def _row(result: Result, m: SectionMeasurement, margin: float) -> Row:
    had, pm1, first, curve = _curve_values(m.curves, result.target)
    verdict = None if result.verdict is None else result.verdict.value
    declared = None if result.expected is None else result.expected.value
    flags: tuple[Flag, ...] = ()
    if curve is not None:
        d, ks, mean, bound, se = curve
        flags = curve_flags(verdict=verdict, declared=declared, d=d, ks=ks, mean=mean, bound=bound, margin=margin,
                            se=se)
    fit = _fit_of(m.curves, result.target)
    flags += _fit_flags(fit, m.curves, result.target, m.reasons.get(result.target))
    if result.target in m.curve_failures:
        flags += (Flag(FlagKind.NO_CURVE, m.curve_failures[result.target]),)
    j = result.to_json()
    return Row(
        target=result.target,
        name=result.name,
        verdict=verdict,
        diagnosis=None if result.diagnosis is None else result.diagnosis.value,
        declared=declared,
        match=j["match"],
        deviation=j["deviation"],
        symmetry=j["symmetry"],
        counterexample=compact_counterexample(j["counterexample"]),
        message=result.message,
        skipped=result.skipped,
        hadamard_half=had,
        pm1_half=pm1,
        first_k=first,
        flags=flags,
        settings=dict(m.settings.get(result.target, {})),
        fit=fit,
        cells={k: deviation_cell(j, k) for k in ("orthogonal", "pm1")},
        result=result,
        output_symmetry=j["output_symmetry"],
        breaks_at=result.breaks_at,
        **_reason(result, m.spec.kind),
    )


def _reason(result: Result, kind: str) -> dict:
    if kind != "atlas":
        return {}
    from invariance.report.atlas import reason_of

    failed = result.diagnosis is not None and result.diagnosis.value == "error"
    reason, source = reason_of(result.target, result.message, failed)
    return {"reason": reason, "source": source}


def followup_summary(curves: dict[str, Curves]) -> dict:
    """For curves of the follow-up problems (``noisy``, ``logistic``): per run, the excess risk at
    n = d/2, d, 2d, 4d beside the reference, and the mean ratio to the reference for n ≥ 1.5d; over
    several dimensions of one problem, n × excess on n ∈ [2d, 4d] per d and its slope in log d beside
    the rates' (:mod:`invariance.curves.rates`). Empty for the paper's problems."""
    from invariance.curves.rates import (
        TAIL,
        log_slope,
        n_excess,
        rate_slopes,
        ratio_to_reference,
    )

    runs = {k: c for k, c in curves.items() if not c.spec.nested}
    if not runs:
        return {}
    tables = {}
    by_problem: dict[str, list[Curves]] = {}
    for key, c in runs.items():
        wanted = [n for n in (c.d // 2, c.d, 2 * c.d, 4 * c.d) if n in c.ks]
        j = [c.ks.index(n) for n in wanted]
        mean, ref = c.mean(), c.bound
        ratio = ratio_to_reference(c)
        tables[key] = {
            "problem": c.problem, "d": c.d, "params": dict(c.params), "ns": wanted,
            "reference": [finite_or_none(ref[i]) for i in j],
            "reference_label": c.spec.bound_label,
            "excess": {t: [finite_or_none(mean[i, x]) for x in j] for i, t in enumerate(c.targets)},
            "ratio_to_reference_from_1.5d": {t: finite_or_none(ratio[i]) for i, t in enumerate(c.targets)},
        }
        by_problem.setdefault(c.problem, []).append(c)
    out: dict[str, Any] = {"tables": tables}
    for problem, group in by_problem.items():
        if len(group) < 2:
            continue
        group = sorted(group, key=lambda c: c.d)
        ds = [c.d for c in group]
        targets = [t for t in group[0].targets if all(t in c.targets for c in group)]
        values = {t: [finite_or_none(n_excess(c, TAIL)[c.targets.index(t)]) for c in group] for t in targets}
        out.setdefault("slopes", {})[problem] = {
            "ds": ds, "tail": list(TAIL),
            "n_excess": values,
            "slope": {t: log_slope(ds, [np.nan if x is None else x for x in v]) for t, v in values.items()},
            "rates": rate_slopes(ds, int(group[0].params.get("s", 1)), problem),
        }
    return out


def build_section(m: SectionMeasurement, *, margin: float = MARGIN) -> Section:
    """Judge one measured section into rows (pure)."""
    spec = m.spec
    plan = spec.plan.to_json() if spec.plan is not None and not m.omitted else None
    return Section(
        key=spec.key,
        title=spec.title,
        description=spec.description,
        rows=tuple(_row(r, m, margin) for r in m.results),
        plan=plan,
        curves=dict(m.curves),
        plots={} if spec.kind == "atlas" else {p: f"{spec.key}-{p}.png" for p in m.curves},
        omitted=m.omitted,
        seconds=dict(m.seconds),
        followup=followup_summary(m.curves),
        kind=spec.kind,
    )


def build_report(
    measurements: list[SectionMeasurement],
    *,
    command: str,
    config: dict,
    environment: dict,
    seconds: float,
    margin: float = MARGIN,
) -> Report:
    """The report from measured sections (pure: no measuring, no files)."""
    return Report(
        sections=tuple(build_section(m, margin=margin) for m in measurements),
        command=command,
        config=dict(config),
        environment=dict(environment),
        seconds=float(seconds),
        margin=margin,
    )


_FLAT_LIST = re.compile(r"\[\s*((?:-?[\d.eE+-]+|null|true|false)(?:,\s*(?:-?[\d.eE+-]+|null|true|false))*)\s*\]")


def report_json(report: Report) -> str:
    """The JSON text: indented, but each list of plain numbers on one line (a curve, a matrix row)."""
    text = json.dumps(report.to_json(), indent=1, allow_nan=False, ensure_ascii=False)
    return _FLAT_LIST.sub(lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text) + "\n"
