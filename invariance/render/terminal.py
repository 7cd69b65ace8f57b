"""Rendering results: the rich table with counterexample panels, and the JSON document (DESIGN §8)."""

from __future__ import annotations

import json
from typing import Iterable

import numpy as np

from invariance.result.model import Counterexample, Result

__all__ = ["to_json", "render_rich", "fmt_dev"]

_VERDICT_STYLE = {
    "invariant": "bold green",
    "pm1-invariant": "bold yellow",
    "not-invariant": "bold red",
    "invariant-in-distribution": "bold cyan",
}


def to_json(results: Iterable[Result]) -> str:
    return json.dumps({"results": [r.to_json() for r in results]}, indent=2, allow_nan=False)


def fmt_dev(x: float | None) -> str:
    if x is None:
        return "—"
    if not np.isfinite(x):
        return "∞"
    return f"{x:.1e}"


def _matrix(a: np.ndarray | None, limit: int = 8) -> str:
    if a is None:
        return "—"
    a = np.atleast_2d(np.asarray(a, dtype=np.float64))
    if a.shape[0] > limit or a.shape[1] > limit:
        head = np.array2string(a[:limit, :limit], precision=4, suppress_small=True, max_line_width=120)
        return f"{head}\n(showing {min(limit, a.shape[0])}×{min(limit, a.shape[1])} of {a.shape[0]}×{a.shape[1]}; --json has all)"
    return np.array2string(a, precision=4, suppress_small=True, max_line_width=120)


def _counterexample_text(cx: Counterexample) -> str:
    lines = [
        f"property: {cx.property}   d = {cx.d}, n = {cx.n}, m = {cx.m}   data: {cx.data_kind}   "
        f"{'shrunk by Hypothesis' if cx.shrunk else 'NOT shrunk (found by the seeded sweep)'}",
        f"U: {cx.U_description}",
    ]
    if cx.d <= 8:
        lines.append(_matrix(cx.U))
    lines += [
        "X_train:",
        _matrix(cx.X_train),
        f"y_train: {np.array2string(np.asarray(cx.y_train), precision=4)}",
        "X_test:",
        _matrix(cx.X_test),
    ]
    if cx.property == "pm1":
        lines += ["X_train′ (the twin):", _matrix(cx.X_train_transformed), "X_test′ (the twin):", _matrix(cx.X_test_transformed)]
    y0 = "—" if cx.y_hat is None else np.array2string(np.asarray(cx.y_hat), precision=6)
    y1 = "—" if cx.y_hat_transformed is None else np.array2string(np.asarray(cx.y_hat_transformed), precision=6)
    lines += [
        f"ŷ(x | X, y)       = {y0}",
        f"ŷ(Ux | XUᵀ, y)    = {y1}",
        f"deviation {fmt_dev(cx.deviation)} > threshold {fmt_dev(cx.threshold)} (rounding noise measured on this example: {fmt_dev(cx.noise)})",
    ]
    if cx.error:
        lines.append(f"error: {cx.error}")
    if cx.notes.get("diagnosis"):
        lines.append(f"diagnosis: {cx.notes['diagnosis']}")
    if cx.scaling:
        s = cx.scaling
        if s.get("applicable"):
            devs = ", ".join(f"θ={t:g}: {fmt_dev(v)}" for t, v in zip(s["angles"], s["deviations"]))
            lines.append(f"angle scaling in plane {tuple(s['plane'])}: {devs}")
        lines.append(f"diagnosis: {s['diagnosis']}")
    rp = cx.replay
    lines.append(f"replay: {rp.get('command')}")
    if rp.get("reproduce_failure"):
        lines.append(f"        or decorate a Hypothesis test with {rp['reproduce_failure']}")
    return "\n".join(lines)


def render_rich(results: list[Result], console, *, verbose: bool = False) -> None:
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    table = Table(title="invcheck: rotation invariance", show_lines=False, header_style="bold")
    for col, kw in (
        ("learner", {"overflow": "fold"}),
        ("verdict", {"no_wrap": True}),
        ("declared", {"overflow": "fold"}),
        ("orth. dev", {"justify": "right", "no_wrap": True}),
        ("±1 dev", {"justify": "right", "no_wrap": True}),
        ("symmetry", {"overflow": "fold"}),
        ("evals", {"justify": "right"}),
        ("time", {"justify": "right", "no_wrap": True}),
    ):
        table.add_column(col, **kw)
    for r in results:
        if r.verdict is not None:
            verdict = Text(r.verdict.value, style=_VERDICT_STYLE.get(r.verdict.value, ""))
        else:
            verdict = Text(f"{r.diagnosis.value} (no verdict)", style="bold magenta")
        declared = Text("—")
        if r.expected is not None:
            ok = not r.mismatch
            declared = Text(f"{r.expected.value} {'✓' if ok else '✗ MISMATCH'}", style="green" if ok else "bold red")
        table.add_row(
            r.name,
            verdict,
            declared,
            fmt_dev(r.deviation.get("orthogonal")),
            fmt_dev(r.deviation.get("pm1")),
            "—" if r.symmetry is None else r.symmetry.value,
            str(r.evaluations),
            f"{r.seconds:.2f}s",
        )
    console.print(table)
    for r in results:
        body = [r.message]
        if r.distribution:
            d = r.distribution
            body.append(
                f"two-sample test: {d.get('test')} at level α = {d.get('alpha')}, {d.get('samples')} seeds per side; "
                f"orthogonal p = {d.get('orthogonal', {}).get('p_value')}, ±1 twin p = {d.get('pm1', {}).get('p_value')}"
            )
        for w in r.warnings:
            body.append(f"warning: {w}")
        if r.reason:
            body.append(f"declared because: {r.reason}")
        if r.counterexample is not None:
            body.append("")
            body.append(_counterexample_text(r.counterexample))
        if verbose:
            for name, cx in r.counterexamples.items():
                if cx is not r.counterexample:
                    body += ["", f"also ({name}):", _counterexample_text(cx)]
            if r.detail:
                body += ["", r.detail]
        style = "red" if (r.failed or r.mismatch) else ("yellow" if r.counterexample is not None else "green")
        console.print(Panel("\n".join(body), title=r.target, title_align="left", border_style=style))
