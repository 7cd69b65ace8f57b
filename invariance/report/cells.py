"""The report's cell and caption text, shared by its two renderings (:mod:`invariance.report.render`:
Markdown; :mod:`invariance.report.html`: HTML): the columns, each row's cells, the method lines, the
follow-up tables and the plots' captions."""

from __future__ import annotations

import re
from collections import Counter

from invariance.curves.problems import problem_of
from invariance.judge.curves import BOUND_Z
from invariance.render.breaks import breaks_at_cell
from invariance.render.numbers import fmt_dev, fmt_num
from invariance.report.build import Report, Row, Section
from invariance.verdict import VERDICT_ORDER

__all__ = ["COLUMNS", "ATLAS_COLUMNS", "counterexample_text", "summary", "followup_tables", "verdict_text",
           "declared_text", "reason_text", "breaks_text"]

_VERDICT_ORDER = tuple(v.value for v in VERDICT_ORDER)
COLUMNS = (
    "learner", "verdict", "declared", "orth. dev", "±1 dev", "symmetry", "counterexample",
    "Hadamard loss @ d/2 (bound 0.5)", "±1 loss @ d/2 (ref. 0.25)", "first k: loss < 0.1",
    "train loss @ d/2 (Hadamard)", "flags",
)
_NUMERIC = (3, 4, 7, 8, 9, 10)
#: the atlas's columns (an optimizer per row; its counterexample is in the JSON)
ATLAS_COLUMNS = (
    "optimizer", "verdict", "input sym.", "output sym.", "orth. dev", "±1 dev", "Hadamard loss @ d/2 (bound 0.5)",
    "train loss @ d/2", "breaks at", "why (source line)", "flags",
)
_ATLAS_NUMERIC = (4, 5, 6, 7)
_NUM_CLASS = ' class="num"'


# --------------------------------------------------------------------------------------- shared text


def _num(x: float | None, digits: int = 3) -> str:
    """A loss in a table cell: ``%.3g`` (``0.5``, ``0.0119``, ``1.72e+05``), ``—`` for None."""
    return fmt_num(x, digits)


def verdict_text(row: Row) -> str:
    if row.verdict is not None:
        return row.verdict
    if row.skipped:
        return "skipped"
    return f"{row.diagnosis} (no verdict)"


def declared_text(row: Row) -> str:
    if row.declared is None:
        return "—"
    return f"{row.declared} {'✓' if row.match else '✗ MISMATCH'}"


def counterexample_text(row: Row) -> str:
    """``orthogonal · d=2, n=1, m=1 · Householder reflection … · dev 4.1e-01``; the message when
    there is no verdict; ``—`` for an invariant learner."""
    cx = row.counterexample
    if cx is None:
        if row.verdict is None:  # the diagnosis, without the file:line of the raising frame
            return _short(re.sub(r" at \S+:\d+( \(raised in \S+:\d+\))?", "", row.message))
        return "—"
    what = "KS" if "KS" in (cx.get("deviation_is") or "") else "dev"
    dev = "∞ (one side failed)" if cx.get("deviation") is None else fmt_dev(cx["deviation"])
    return f"{cx['property']} · d={cx['d']}, n={cx['n']}, m={cx['m']} · {cx['U']} · {what} {dev}"


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary(report: Report) -> str:
    rows = report.rows
    counts = Counter(verdict_text(r) if r.verdict is None else r.verdict for r in rows)
    parts = [f"{counts[v]} {v}" for v in _VERDICT_ORDER if counts[v]]
    parts += [f"{n} {k}" for k, n in sorted(counts.items()) if k not in _VERDICT_ORDER]
    nc, nn = len(report.flags("contradiction")), len(report.flags("note"))
    nf = len(report.flags("did-not-fit"))
    mism = sum(1 for r in rows if r.match is False)
    return (
        f"{len(rows)} rows: {', '.join(parts)}. {nc} contradiction{'s' * (nc != 1)} between a verdict and its "
        f"curve, {nn} note{'s' * (nn != 1)}, {nf} learner{'s' * (nf != 1)} that did not fit (each with its reason), "
        f"{mism} declared verdict{'s' * (mism != 1)} not matched."
    )


def _method(report: Report) -> list[str]:
    c = report.config
    examples = c.get("max_examples") or 150
    sym = max(1, (2 * examples) // 5) if c.get("max_examples") else 60
    return [
        f"Verdicts: the checker (`invcheck TARGET`) with seed {c.get('seed')}, {examples} Hypothesis examples "
        f"for generic data and for ±1 Gram twins, {sym} per symmetry subgroup, "
        f"per-call time limit {c.get('timeout')} s; "
        f"randomised learners: two-sample KS test, {c.get('samples')} seeds per side, α = {c.get('alpha')}.",
        "Curves (docs/design.md#learning-curves): mean over trials of the average square loss on all d rows "
        "after training on the first k; "
        "bound 1 − k/d on the sign-flipped Hadamard problem (0.5 at k = d/2), reference (1 − k/d)² on random ±1 "
        f"rows (0.25); curve seed {c.get('seed')}, as `invcheck curves --seed {c.get('seed')}`.",
        "Fitted curves: before its curves every learner with a learning rate or passes is tuned on a grid "
        "(learning rate × 2⁻³…2³ around its curve setting, passes 1, 3, 10, 30 — or full-batch steps × 1, 3, 10) "
        "by its *training* loss on two draws of its own, never by the test loss: the points are tried from the "
        "centre rate outwards, passes increasing, and the first whose training loss at k = 2⌈log₂ d⌉ and d/2 "
        "(d/2 and 2d on the follow-up problems) is within 1e-2 of the true parameter's is chosen. "
        "The column *train loss @ d/2* is the mean training loss at k = d/2; "
        "✗ marks more than 1e-2 above the target's.",
        f"Flags: **contradiction** — an invariant, pm1-invariant or invariant-in-distribution learner (measured or "
        f"declared) whose mean Hadamard curve dips more than {report.margin:g} + {BOUND_Z:g} standard errors of that "
        "mean below 1 − k/d; **note** — a "
        "not-invariant learner whose curve never does (allowed); **did-not-fit** — its training loss at k = d/2 stays "
        "more than 1e-2 above the target's, with the figure and the reason (its curve says little about invariance); "
        "**no-curve** — the learner failed on the curve problems.",
    ]


def _plan_text(section: Section) -> str:
    p = section.plan
    if p is None:
        return "No curves (--no-curves)." if not section.omitted else ""
    ks = p.get("ks") or []
    step = p["k_step"]
    grid = "every k" if step == 1 else f"k = {step}, {2 * step}, {3 * step}, …"
    span = f" ({len(ks)} values from {ks[0]} to {ks[-1]})" if ks else ""
    problems = " and ".join(problem_of(q).title for q in p["problems"])
    if p.get("dims"):
        dims = ", ".join(str(d) for d in p["dims"])
        return (f"Curves: d = {dims}, {p['trials']} trials, n = {step}, {2 * step}, … up to 4d at d = {p['d']} "
                f"(the step scaled with d), on the {problems} problem.")
    return (f"Curves: d = {p['d']}, {p['trials']} trials, {grid}{span}, "
            f"on the {problems} problem{'s' * (len(p['problems']) > 1)}.")


def _settings_text(row: Row) -> str:
    """``hadamard: eta=1, passes=5; pm1: eta=0.5, passes=10`` (one run's settings without its key)."""
    runs = {k: v for k, v in row.settings.items() if isinstance(v, dict)}
    if not runs:
        return ", ".join(f"{k}={_fmt_setting(v)}" for k, v in row.settings.items()) or "defaults"
    texts = {k: ", ".join(f"{a}={_fmt_setting(b)}" for a, b in v.items()) or "defaults" for k, v in runs.items()}
    if len(set(texts.values())) == 1:
        return next(iter(texts.values()))
    return "; ".join(f"{k}: {t}" for k, t in texts.items())


def _fmt_setting(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _columns(s: Section) -> tuple[str, ...]:
    """The paper sections' columns; the follow-up sections' main table keeps the verdict columns (their
    curves have tables of their own, :func:`followup_tables`); the atlas has its own."""
    if s.kind == "atlas":
        return ATLAS_COLUMNS
    return COLUMNS if s.paper else COLUMNS[:7] + COLUMNS[-1:]


def _numeric(s: Section) -> tuple[int, ...]:
    return _ATLAS_NUMERIC if s.kind == "atlas" else _NUMERIC


def reason_text(row: Row) -> str:
    """The atlas's why: the reason and the source line, or the diagnosis where it cannot run."""
    if row.reason is None:
        return "— (no reason recorded)"
    return f"{row.reason} ({row.source})"


def _atlas_cells(row: Row) -> list[str]:
    flags = ", ".join(sorted({f.kind for f in row.flags})) or ""
    verdict = verdict_text(row)
    if row.verdict is None and not row.skipped:
        verdict += ": " + _short(re.sub(r" at \S+:\d+( \(raised in \S+:\d+\))?", "", row.message), 120)
    return [
        row.name, verdict, row.symmetry or "—", row.output_symmetry or "—",
        row.cells.get("orthogonal", fmt_dev(row.deviation.get("orthogonal"))),
        row.cells.get("pm1", fmt_dev(row.deviation.get("pm1"))), _num(row.hadamard_half), _train_text(row),
        breaks_text(row), reason_text(row), flags,
    ]


def breaks_text(row: Row) -> str:
    return breaks_at_cell(row.breaks_at, verdict=row.verdict, target=row.target,
                          randomised=row.result is not None and row.result.distribution is not None)


def _cells(row: Row, s: Section | None = None) -> list[str]:
    if s is not None and s.kind == "atlas":
        return _atlas_cells(row)
    flags = ", ".join(sorted({f.kind for f in row.flags})) or ""
    if s is not None and not s.paper:
        return [
            row.name, verdict_text(row), declared_text(row),
            row.cells.get("orthogonal", fmt_dev(row.deviation.get("orthogonal"))),
            row.cells.get("pm1", fmt_dev(row.deviation.get("pm1"))), row.symmetry or "—", counterexample_text(row),
            flags,
        ]
    return [
        row.name, verdict_text(row), declared_text(row),
        row.cells.get("orthogonal", fmt_dev(row.deviation.get("orthogonal"))),
        row.cells.get("pm1", fmt_dev(row.deviation.get("pm1"))), row.symmetry or "—", counterexample_text(row),
        _num(row.hadamard_half), _num(row.pm1_half), "—" if row.first_k is None else str(row.first_k),
        _train_text(row), flags,
    ]


def _train_text(row: Row) -> str:
    fit = next(iter(row.fit.values()), None)
    if not fit:
        return "—"
    return ("non-finite" if fit["train_loss"] is None else fmt_num(fit["train_loss"])) + ("" if fit["fits"] else " ✗")


def _plot_caption(s: Section, key: str) -> tuple[str, str]:
    """(alt text, caption) of one plot, from its curves' problem."""
    c = s.curves.get(key)
    spec = problem_of(key) if c is None else c.spec
    where = "" if c is None else f", d = {c.d}"
    alt = f"{s.title}: {spec.title} curves{where}"
    caption = (f"{spec.title} problem{where}: mean {spec.metric} over trials, its 10–90% band over trials (not drawn "
               f"where it leaves the axis), and {spec.bound_label}; line style by verdict")
    return alt, caption


def followup_tables(s: Section) -> list[tuple[str, list[str], list[list[str]]]]:
    """The follow-up sections' tables as (caption, header, rows of cells): excess risk at a few n beside
    the reference, and n × excess per d with its slope in log d beside the rates' slopes."""
    out = []
    names = {r.target: r.name for r in s.rows}
    verdicts = {r.target: verdict_text(r) for r in s.rows}
    train = {r.target: r for r in s.rows}
    for key, t in s.followup.get("tables", {}).items():
        params = ", ".join(f"{k} = {v:g}" for k, v in t["params"].items())
        header = (["learner", "verdict", "train loss @ d/2"] + [f"n = {n}" for n in t["ns"]]
                  + ["measured ÷ reference, n ≥ 1.5d"])
        rows = [["reference " + t["reference_label"], "", ""]
                + ["—" if v is None else fmt_num(v) for v in t["reference"]] + [""]]
        for target, values in t["excess"].items():
            row = train.get(target)
            fit = (row.fit.get(key) if row is not None else None) or {}
            cell = ("—" if not fit else ("non-finite" if fit["train_loss"] is None else fmt_num(fit["train_loss"]))
                    + ("" if fit.get("fits", True) else " ✗"))
            ratio = t["ratio_to_reference_from_1.5d"].get(target)
            rows.append([names.get(target, target), verdicts.get(target, "—"), cell] + [fmt_num(v) for v in values]
                        + ["—" if ratio is None else f"{ratio:.3f}"])
        out.append((f"{problem_of(t['problem']).title}, d = {t['d']} ({params}): "
                    f"mean {problem_of(t['problem']).metric}", header, rows))
    for problem, sl in s.followup.get("slopes", {}).items():
        header = ["learner", "verdict"] + [f"n·excess, d = {d}" for d in sl["ds"]] + ["slope in log d"]
        rows = []
        for target, values in sl["n_excess"].items():
            slope = sl["slope"].get(target)
            rows.append([names.get(target, target), verdicts.get(target, "—")] + [fmt_num(v) for v in values]
                        + ["—" if slope is None else f"{slope:.2f}"])
        for label, slope in sl["rates"].items():
            rows.append([f"rate {label}", ""] + [""] * len(sl["ds"]) + ["—" if slope is None else f"{slope:.2f}"])
        lo, hi = sl["tail"]
        out.append((f"{problem_of(problem).title}: n × excess risk, averaged over n ∈ [{lo}d, {hi}d], per d; its "
                    "least-squares slope in log d beside the slopes of the rates' d-factors", header, rows))
    return out


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _env_text(report: Report) -> str:
    env = report.environment
    return "Measured with " + ", ".join(f"{k} {v}" for k, v in env.items() if v) + "."
