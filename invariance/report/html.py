"""The invariance report (:class:`invariance.report.Report`) as self-contained HTML: inline CSS, plots
embedded as ``data:image/png;base64`` URIs, no fonts, scripts or links outside the file, so it opens
from disk in any browser without a network. The cells' text is :mod:`invariance.report.cells`."""

from __future__ import annotations

import base64
import html
import re

from invariance.render.numbers import fmt_dev, fmt_num
from invariance.report.build import Flag, Report, Row, Section
from invariance.report.cells import (
    _ATLAS_NUMERIC,
    _NUM_CLASS,
    _atlas_cells,
    _columns,
    _duration,
    _env_text,
    _method,
    _num,
    _plan_text,
    _plot_caption,
    _settings_text,
    _train_text,
    counterexample_text,
    followup_tables,
    summary,
    verdict_text,
)

__all__ = ["render_html"]

_CSS = """
:root{--fg:#1c2230;--muted:#5d6675;--line:#dde2ea;--head:#eef1f6;--accent:#2b5fd9}
*{box-sizing:border-box}
body{margin:0;background:#eef0f4;color:var(--fg);\
font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1500px;margin:0 auto;padding:28px 36px 56px;background:#fff;min-height:100vh}
h1{font-size:26px;margin:0 0 6px}h2{font-size:20px;margin:36px 0 6px;padding-top:8px;border-top:2px solid var(--line)}
p,li{margin:6px 0;overflow-wrap:anywhere}.muted{color:var(--muted)}\
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f3f5f8;padding:1px 4px;\
border-radius:4px}
.summary{font-size:15px;margin:14px 0;padding:10px 14px;background:#f6f8fb;border-left:4px solid var(--accent);\
border-radius:4px}
ul.method{margin:8px 0 0 0;padding-left:20px;color:var(--muted);font-size:13px}
nav a{color:var(--accent);text-decoration:none;margin-right:14px}
.scroll{overflow-x:auto;max-width:100%;margin:12px 0 8px}
table{border-collapse:collapse;width:100%;font-size:12.5px}
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
.plots{display:grid;grid-template-columns:minmax(0,1fr);gap:18px;margin:14px 0}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px;background:#fff}
figure img{max-width:100%;height:auto;display:block;cursor:zoom-in}
figcaption{font-size:12px;color:var(--muted);margin-top:4px}
input.zoom{position:absolute;opacity:0;pointer-events:none}
input.zoom:checked+img{position:fixed;inset:0;margin:auto;max-width:98vw;max-height:98vh;width:auto;height:auto;\
z-index:10;background:#fff;box-shadow:0 0 0 100vmax rgba(20,24,32,.72);cursor:zoom-out}
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
    out.append(f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>')
    if s.kind == "atlas":
        out += ["<tr>" + "".join(f"<td{_NUM_CLASS if i in _ATLAS_NUMERIC else ''}>{_e(c)}</td>"
                                 for i, c in enumerate(_atlas_cells(r)))
                + "</tr>" for r in s.rows]
    else:
        out += [_row_html(r, s.paper) for r in s.rows]
    out.append("</tbody></table></div>")
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
        out.append(f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>')
    figures = []
    for key, png in s.plots.items():
        data = images.get(png)
        if data is None:
            continue
        uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        alt, caption = _plot_caption(s, key)
        # a click on the plot opens it at full size over the page, another closes it (a checkbox: no script)
        figures.append(f'<figure><label><input type="checkbox" class="zoom" aria-label="enlarge">'
                       f'<img alt="{_e(alt)}" src="{uri}"></label><figcaption>{_e(caption)}</figcaption></figure>')
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
