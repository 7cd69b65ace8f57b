"""A result as HTML, for Jupyter (``Result._repr_html_``): the verdict badge, the deviations, the
counterexample. Self-contained (inline styles, no scripts), escaped, the same words as the terminal."""

from __future__ import annotations

import html
from typing import Any

from invariance.render.numbers import fmt_dev

__all__ = ["result_html"]

#: badge colours by verdict or diagnosis (the HTML report's palette)
_COLOURS = {"invariant": "#1a7f37", "invariant-in-distribution": "#1a7f37", "pm1-invariant": "#9a6700",
            "not-invariant": "#cf222e"}
_NO_VERDICT = "#57606a"


def result_html(result: Any) -> str:
    """``result`` (:class:`~invariance.result.model.Result`) as one HTML fragment."""
    from invariance.render.text import counterexample_text

    e = html.escape
    word = result.verdict.value if result.verdict is not None else (
        "skipped" if result.skipped else f"{result.diagnosis.value if result.diagnosis else 'no verdict'}")
    colour = _COLOURS.get(word, _NO_VERDICT)
    badge = (f'<span style="background:{colour};color:#fff;border-radius:4px;padding:2px 8px;'
             f'font-weight:600">{e(word)}</span>')
    declared = ""
    if result.expected is not None:
        ok = "matches" if result.match else "MISMATCH:"
        declared = f' <span style="color:{"#1a7f37" if result.match else "#cf222e"}">{ok} declared ' \
                   f'{e(result.expected.value)}</span>'
    rows = [("generic (orthogonal) deviation", fmt_dev(result.deviation.get("orthogonal"))),
            ("±1 twin deviation", fmt_dev(result.deviation.get("pm1"))),
            ("symmetry", result.symmetry.value if result.symmetry is not None else "—")]
    if result.output_symmetry is not None:
        rows.append(("output symmetry", result.output_symmetry.value))
    rows += [("precision", result.precision), ("evaluations", f"{result.evaluations} in {result.seconds:.2f} s")]
    table = "".join(f'<tr><th style="text-align:left;padding-right:1em">{e(k)}</th><td>{e(str(v))}</td></tr>'
                    for k, v in rows)
    parts = ['<div style="font-family:system-ui,sans-serif;max-width:60em">',
             f"<p><code>{e(result.target)}</code> {badge}{declared}</p>",
             f"<p>{e(result.message)}</p>",
             f'<table style="border-collapse:collapse;font-size:90%">{table}</table>']
    if result.warnings:
        parts.append("<ul>" + "".join(f"<li>warning: {e(w)}</li>" for w in result.warnings) + "</ul>")
    for name, cx in result.counterexamples.items():
        parts.append(f"<details><summary>counterexample ({e(name)})</summary>"
                     f'<pre style="font-size:85%;overflow-x:auto">{e(counterexample_text(cx))}</pre></details>')
    parts.append("</div>")
    return "".join(parts)
