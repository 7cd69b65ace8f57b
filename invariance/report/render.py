"""Rendering the invariance report (:class:`invariance.report.Report`) as Markdown and as HTML.

Rendering only: both functions are pure (report in, text out). The HTML is self-contained — inline
CSS, plots embedded as ``data:image/png;base64`` URIs, no fonts, scripts or links outside the file —
so it opens from disk in any browser without a network. The Markdown links the PNGs beside it.

This module renders the Markdown and re-exports the rest: the HTML is :mod:`invariance.report.html`,
the cells' and captions' text that both share :mod:`invariance.report.cells`.
"""

from __future__ import annotations

from invariance.report.build import Report
from invariance.report.cells import (  # re-exported: the names were defined here
    _VERDICT_ORDER,
    ATLAS_COLUMNS,
    COLUMNS,
    _cells,
    _columns,
    _duration,
    _env_text,
    _method,
    _numeric,
    _plan_text,
    _plot_caption,
    _settings_text,
    breaks_text,
    counterexample_text,
    declared_text,
    followup_tables,
    reason_text,
    summary,
    verdict_text,
)
from invariance.report.html import render_html

__all__ = ["render_markdown", "render_html", "counterexample_text", "summary", "followup_tables", "COLUMNS",
           "ATLAS_COLUMNS", "verdict_text", "declared_text", "reason_text", "breaks_text", "_VERDICT_ORDER"]

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
