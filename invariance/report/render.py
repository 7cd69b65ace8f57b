"""Rendering the invariance report (:class:`invariance.report.Report`) as Markdown and as HTML.

Rendering only: both functions are pure (report in, text out). The HTML is self-contained — inline
CSS, plots embedded as ``data:image/png;base64`` URIs, no fonts, scripts or links outside the file —
so it opens from disk in any browser without a network. The Markdown links the PNGs beside it.
"""

from __future__ import annotations

import base64
import html
import re
from collections import Counter

from invariance.curves.problems import problem_of
from invariance.render.numbers import fmt_dev, fmt_num
from invariance.report.build import Flag, Report, Row, Section
from invariance.verdict import VERDICT_ORDER

__all__ = ["render_markdown", "render_html", "counterexample_text", "summary", "followup_tables"]

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
        f"declared) whose mean Hadamard curve dips more than {report.margin:g} below 1 − k/d; **note** — a "
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
    from invariance.report.build import breaks_at_words

    words = breaks_at_words(row.breaks_at)
    if words is not None:
        return words
    if row.verdict in (None, "invariant", "invariant-in-distribution"):
        return "—"
    if row.result is not None and row.result.distribution is not None:
        return "none: randomised, judged by the two-sample test (no single pair of runs to replay)"
    if row.target.startswith("optax"):
        return "none: the state replay covers torch optimizers"
    return "none recorded"


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


# ------------------------------------------------------------------------------------------ Markdown


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    """The report as GitHub-flavoured Markdown: one table row per learner, PNGs linked by file name."""
    out = ["# invcheck: rotation-invariance report", ""]
    out += [f"Regenerate with `{report.command}` (took {_duration(report.seconds)}). {_env_text(report)}", ""]
    out += [f"**{summary(report)}**", ""]
    out += [f"- {line}" for line in _method(report)] + [""]
    for s in report.sections:
        out += [f"## {s.title}", ""]
        if s.omitted:
            out += [f"*{s.omitted}.*", ""]
            continue
        out += [f"{s.description} {_plan_text(s)}", ""]
        cols = _columns(s)
        out += ["| " + " | ".join(cols) + " |",
                "|" + "|".join("---:" if i in _numeric(s) else "---" for i in range(len(cols))) + "|"]
        for row in s.rows:
            cells = [_md_escape(c) for c in _cells(row, s)]
            cells[0] = f"`{cells[0]}`"
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
        for caption, header, rows in followup_tables(s):
            out += [f"*{_md_escape(caption)}*", ""]
            out += ["| " + " | ".join(header) + " |",
                    "|" + "|".join("---" if i < 2 else "---:" for i in range(len(header))) + "|"]
            out += ["| " + " | ".join(_md_escape(c) for c in r) + " |" for r in rows] + [""]
        for key, png in s.plots.items():
            alt, _ = _plot_caption(s, key)
            out += [f"![{alt}]({png})", ""]
        flagged = [(r, f) for r in s.rows for f in r.flags]
        if flagged:
            out += ["Flags:", ""] + [f"- **{f.kind}** `{r.name}`: {_md_escape(f.text)}" for r, f in flagged] + [""]
        with_settings = [r for r in s.rows if r.settings]
        if with_settings:
            out += ["Curve hyperparameters: " + "; ".join(f"`{r.name}` {_settings_text(r)}" for r in with_settings)
                    + ".", ""]
    return "\n".join(out).rstrip() + "\n"


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _env_text(report: Report) -> str:
    env = report.environment
    return "Measured with " + ", ".join(f"{k} {v}" for k, v in env.items() if v) + "."


# ---------------------------------------------------------------------------------------------- HTML

_CSS = """
:root{--fg:#1c2230;--muted:#5d6675;--line:#dde2ea;--head:#eef1f6;--accent:#2b5fd9}
*{box-sizing:border-box}
body{margin:0;background:#eef0f4;color:var(--fg);\
font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1500px;margin:0 auto;padding:28px 36px 56px;background:#fff;min-height:100vh}
h1{font-size:26px;margin:0 0 6px}h2{font-size:20px;margin:36px 0 6px;padding-top:8px;border-top:2px solid var(--line)}
p{margin:6px 0}.muted{color:var(--muted)}\
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f3f5f8;padding:1px 4px;\
border-radius:4px}
.summary{font-size:15px;margin:14px 0;padding:10px 14px;background:#f6f8fb;border-left:4px solid var(--accent);\
border-radius:4px}
ul.method{margin:8px 0 0 0;padding-left:20px;color:var(--muted);font-size:13px}
nav a{color:var(--accent);text-decoration:none;margin-right:14px}
table{border-collapse:collapse;width:100%;margin:12px 0 8px;font-size:12.5px}
th,td{padding:5px 7px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--head);font-weight:600;font-size:12px;line-height:1.25}
td.decl,td.sym{white-space:nowrap}
tbody tr:nth-child(even) td{background:#fafbfd}
td.num{text-align:right;font-variant-numeric:tabular-nums;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:nowrap}
td.name{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-weight:600;white-space:nowrap}
td.cx{font-size:12px;color:#333;max-width:340px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;font-size:11.5px;white-space:nowrap}
.v-invariant{background:#dcf4e2;color:#0d6a2d}.v-pm1-invariant{background:#fff0c7;color:#765600}
.v-not-invariant{background:#fde1de;color:#a1221a}.v-invariant-in-distribution{background:#d8f0f5;color:#08606f}
.v-none{background:#eceef2;color:#4f5561}
.ok{color:#0d6a2d}.bad{color:#b3261e;font-weight:700}
.bar{display:inline-block;position:relative;width:64px;height:8px;margin-left:6px;background:#eef0f4;border-radius:4px;vertical-align:middle}
.bar>span{position:absolute;left:0;top:0;bottom:0;background:#6f8fd8;border-radius:4px}
.bar>i{position:absolute;left:50%;top:-3px;bottom:-3px;width:2px;background:#1c2230}
tr.contradiction td{background:#fff0ef!important}
.flag{display:inline-block;font-size:11px;font-weight:700;padding:0 6px;border-radius:8px;white-space:nowrap}
.f-contradiction{background:#b3261e;color:#fff}.f-note{background:#f3e6b3;color:#5c4700}.f-no-curve{background:#d6d9df;color:#333}
.f-did-not-fit{background:#e8d9f5;color:#4b2a6b}
ul.flags{margin:6px 0 10px;padding-left:20px}ul.flags li{margin:3px 0}
.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:18px;margin:14px 0}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px;background:#fff}
figure img{width:100%;height:auto;display:block}figcaption{font-size:12px;color:var(--muted);margin-top:4px}
details{margin:8px 0;font-size:12.5px}summary{cursor:pointer;color:var(--accent)}
details li{margin:4px 0}
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _inline(text: str) -> str:
    """The two Markdown marks the method lines use, `code` and **bold**, as HTML (after escaping)."""
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)


def _badge(row: Row) -> str:
    cls = row.verdict if row.verdict is not None else "none"
    return f'<span class="badge v-{_e(cls)}">{_e(verdict_text(row))}</span>'


def _declared_html(row: Row) -> str:
    if row.declared is None:
        return '<span class="muted">—</span>'
    mark = '<span class="ok">✓</span>' if row.match else '<span class="bad">✗ mismatch</span>'
    return f"{_e(row.declared)} {mark}"


def _loss_html(x: float | None) -> str:
    if x is None:
        return '<span class="muted">—</span>'
    width = max(0.0, min(1.0, x)) * 100
    return (f'{_num(x)}<span class="bar" title="loss {fmt_num(x)}; tick = bound 0.5">'
            f'<span style="width:{width:.1f}%"></span><i></i></span>')


def _flags_html(flags: tuple[Flag, ...]) -> str:
    kinds = sorted({f.kind for f in flags})
    return " ".join(f'<span class="flag f-{_e(k)}">{_e(k)}</span>' for k in kinds)


def _row_html(row: Row, paper: bool = True) -> str:
    cls = ' class="contradiction"' if any(f.kind == "contradiction" for f in row.flags) else ""
    cx = _e(counterexample_text(row))
    start = (
        f"<tr{cls}><td class=\"name\" title=\"{_e(row.target)}\">{_e(row.name)}</td><td>{_badge(row)}</td>"
        f"<td class=\"decl\">{_declared_html(row)}</td>"
        f"<td class=\"num\">{_e(row.cells.get('orthogonal', fmt_dev(row.deviation.get('orthogonal'))))}</td>"
        f"<td class=\"num\">{_e(row.cells.get('pm1', fmt_dev(row.deviation.get('pm1'))))}</td>"
        f"<td class=\"sym\">{_e(row.symmetry or '—')}</td>"
        f"<td class=\"cx\">{cx}</td>"
    )
    if not paper:
        return start + f"<td>{_flags_html(row.flags)}</td></tr>"
    return (
        start + f"<td class=\"num\">{_loss_html(row.hadamard_half)}</td>"
        f"<td class=\"num\">{_num(row.pm1_half)}</td>"
        f"<td class=\"num\">{'—' if row.first_k is None else row.first_k}</td>"
        f"<td class=\"num\">{_e(_train_text(row))}</td><td>{_flags_html(row.flags)}</td></tr>"
    )


def _section_html(s: Section, images: dict[str, bytes]) -> list[str]:
    out = [f'<h2 id="{_e(s.key)}">{_e(s.title)}</h2>']
    if s.omitted:
        return out + [f'<p class="muted"><em>{_e(s.omitted)}.</em></p>']
    out.append(f"<p>{_e(s.description)} <span class=\"muted\">{_e(_plan_text(s))}</span></p>")
    head = "".join(f"<th>{_e(c)}</th>" for c in _columns(s))
    out.append(f"<table><thead><tr>{head}</tr></thead><tbody>")
    if s.kind == "atlas":
        out += ["<tr>" + "".join(f"<td{_NUM_CLASS if i in _ATLAS_NUMERIC else ''}>{_e(c)}</td>"
                                 for i, c in enumerate(_atlas_cells(r)))
                + "</tr>" for r in s.rows]
    else:
        out += [_row_html(r, s.paper) for r in s.rows]
    out.append("</tbody></table>")
    flagged = [(r, f) for r in s.rows for f in r.flags]
    if flagged:
        out.append('<ul class="flags">')
        out += [f'<li><span class="flag f-{_e(f.kind)}">{_e(f.kind)}</span> '
                f'<code>{_e(r.name)}</code>: {_e(f.text)}</li>'
                for r, f in flagged]
        out.append("</ul>")
    for caption, header, rows in followup_tables(s):
        out.append(f"<p><em>{_e(caption)}</em></p>")
        head = "".join(f"<th>{_e(c)}</th>" for c in header)
        body = "".join(
            "<tr>" + "".join(f"<td{_NUM_CLASS if i >= 2 else ''}>{_e(c)}</td>" for i, c in enumerate(r)) + "</tr>"
            for r in rows
        )
        out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    figures = []
    for key, png in s.plots.items():
        data = images.get(png)
        if data is None:
            continue
        uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        alt, caption = _plot_caption(s, key)
        figures.append(f'<figure><img alt="{_e(alt)}" src="{uri}"><figcaption>{_e(caption)}</figcaption></figure>')
    if figures:
        out += ['<div class="plots">', *figures, "</div>"]
    details = [f"<li><code>{_e(r.name)}</code> ({_e(r.target)}): {_e(r.message)}</li>" for r in s.rows]
    out.append(f"<details><summary>Checker messages ({len(s.rows)})</summary><ul>{''.join(details)}</ul></details>")
    with_settings = [r for r in s.rows if r.settings]
    if with_settings:
        items = "".join(f"<li><code>{_e(r.name)}</code>: {_e(_settings_text(r))}</li>" for r in with_settings)
        out.append(f"<details><summary>Curve hyperparameters</summary><ul>{items}</ul></details>")
    return out


def render_html(report: Report, images: dict[str, bytes] | None = None) -> str:
    """The report as one self-contained HTML page; ``images`` maps each plot's file name to its PNG bytes."""
    images = images or {}
    nav = " ".join(f'<a href="#{_e(s.key)}">{_e(s.title)}</a>' for s in report.sections)
    method = "".join(f"<li>{_inline(line)}</li>" for line in _method(report))
    body = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>invcheck: rotation-invariance report</title>",
        f"<style>{_CSS}</style></head><body><main>",
        "<h1>invcheck: rotation-invariance report</h1>",
        f'<p class="muted">Regenerate with <code>{_e(report.command)}</code> (took {_duration(report.seconds)}). '
        f'{_e(_env_text(report))}</p>',
        f"<nav>{nav}</nav>",
        f'<div class="summary">{_e(summary(report))}</div>',
        f'<ul class="method">{method}</ul>',
    ]
    for s in report.sections:
        body += _section_html(s, images)
    body.append("</main></body></html>")
    return "\n".join(body) + "\n"
