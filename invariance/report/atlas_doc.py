"""The atlas's reasons in ``docs/optimizers.md``: one table per library, written from the committed
report (``reports/invariance.json``) and :mod:`invariance.report.atlas_reasons`.

Each row: the measured verdict (or diagnosis), input and output symmetry, where the state first breaks,
and the one-line reason with the source line that decides it. Where reading the code predicted
another verdict than the checker measured, the row says both. ``python -m invariance.report.atlas_doc``
rewrites the part of ``docs/optimizers.md`` between :data:`START` and :data:`END`; a test keeps it
equal to what the committed report gives.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

__all__ = ["START", "END", "atlas_markdown", "rewrite"]

START = "<!-- atlas:start (written by python -m invariance.report.atlas_doc; do not edit by hand) -->"
END = "<!-- atlas:end -->"


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _verdict(row: dict) -> str:
    if row.get("verdict"):
        return row["verdict"]
    if row.get("skipped"):
        return "skipped"
    return f"— ({row.get('diagnosis')})"


def _words(row: dict, predicted: str | None) -> str:
    """The reason; the measured diagnosis where it cannot run; both verdicts where they differ."""
    reason = row.get("reason") or "no reason recorded"
    src = row.get("source")
    text = f"{reason} ({src})" if src else reason
    measured = row.get("verdict")
    if predicted and measured and predicted not in (measured, "randomised"):
        text += f" — reading the code predicted {predicted}; the checker measured {measured}"
    if predicted == "randomised" and measured:
        text += f" — randomised: judged in distribution ({measured})"
    if row.get("verdict") is None and row.get("diagnosis"):
        msg = " ".join(str(row.get("message", "")).split())
        text += f" — measured: {_cell(msg[:140])}{'…' if len(msg) > 140 else ''}"
    return text


def atlas_markdown(report: dict) -> str:
    """The atlas tables (Markdown, between the markers) from a report's JSON."""
    from invariance.report.atlas_reasons import REASONS

    out = [START, ""]
    total = 0
    for sec in report["sections"]:
        if sec.get("kind") != "atlas":
            continue
        rows = sec["rows"]
        total += len(rows)
        out += [f"### {sec['title']} ({len(rows)} rows)", ""]
        if sec.get("omitted"):
            out += [f"*{sec['omitted']}.*", ""]
            continue
        out += ["| optimizer | verdict | input / output symmetry | breaks at | why (the line that decides it) |",
                "|---|---|---|---|---|"]
        for r in rows:
            predicted = (REASONS.get(r["target"]) or (None,))[0]
            sym = f"{r.get('symmetry') or '—'} / {r.get('output_symmetry') or '—'}"
            out.append(f"| `{_cell(r['name'])}` | {_cell(_verdict(r))} | {sym} | {_cell(r.get('breaks_at') or '—')} | "
                       f"{_cell(_words(r, predicted))} |")
        out.append("")
    out.insert(2, f"{total} optimizer rows in all. Regenerate with `python -m invariance.report.atlas_doc` after "
                  "`invcheck report --out reports/ -j 2`.")
    out.insert(3, "")
    out.append(END)
    return "\n".join(out)


def rewrite(doc: Path, report: Path) -> bool:
    """Replace the atlas part of ``doc``; True when it changed."""
    text = doc.read_text(encoding="utf-8")
    start, end = text.index(START), text.index(END) + len(END)
    new = text[:start] + atlas_markdown(json.loads(report.read_text(encoding="utf-8"))) + text[end:]
    if new != text:
        doc.write_text(new, encoding="utf-8")
    return new != text


def current(doc: Path) -> str:
    """The atlas part of ``doc`` as it stands."""
    text = doc.read_text(encoding="utf-8")
    return text[text.index(START): text.index(END) + len(END)]


if __name__ == "__main__":  # pragma: no cover - a maintainer's command
    root = Path(__file__).resolve().parents[2]
    changed = rewrite(root / "docs" / "optimizers.md", root / "reports" / "invariance.json")
    print("docs/optimizers.md: atlas tables " + ("rewritten" if changed else "unchanged"))
    sys.exit(0)
