"""Plain-text rendering of one counterexample (terminal panels, assertion messages)."""

from __future__ import annotations

from typing import Any

import numpy as np

from invariance import judge
from invariance.probe.call import deviation_scale
from invariance.render.numbers import fmt_dev

__all__ = ["counterexample_text", "matrix_text"]


def matrix_text(a: np.ndarray | None, limit: int = 8) -> str:
    if a is None:
        return "—"
    a = np.atleast_2d(np.asarray(a, dtype=np.float64))
    if a.shape[0] > limit or a.shape[1] > limit:
        head = np.array2string(a[:limit, :limit], precision=4, suppress_small=True, max_line_width=120)
        return (f"{head}\n(showing {min(limit, a.shape[0])}×{min(limit, a.shape[1])} "
                f"of {a.shape[0]}×{a.shape[1]}; --json has all)")
    return np.array2string(a, precision=4, suppress_small=True, max_line_width=120)


def _difference(cx: Any) -> list[str]:
    """The two predictions' difference, absolute, and the size the deviation divides it by: two sides that
    print alike at six digits, or a 200 % deviation of predictions and labels near 0, read right."""
    if cx.y_hat is None or cx.y_hat_transformed is None or cx.notes.get("deviation") == "KS statistic":
        return []  # no pair of runs (a failure), or a law test's means, whose deviation is a KS statistic
    a, b = np.asarray(cx.y_hat, dtype=np.float64), np.asarray(cx.y_hat_transformed, dtype=np.float64)
    if cx.V is not None and a.ndim == 2:  # an output property: ŷ′ is compared with ŷ Vᵀ
        a = a @ np.asarray(cx.V, dtype=np.float64).T
    if a.shape != b.shape:
        return []
    with np.errstate(invalid="ignore", over="ignore"):
        diff = b - a
        scale = deviation_scale(a, b, cx.y_train)
    text = np.array2string(diff, formatter={"float_kind": lambda v: f"{v:.2e}"}, max_line_width=120)
    expected = "ŷ Vᵀ" if cx.V is not None else "ŷ"
    return [f"ŷ′ − {expected}{' ' * (12 - len(expected))}= {text} (absolute; the deviation divides by the largest "
            f"|{expected}|, |ŷ′|, |y|: {scale:.3g})"]


def counterexample_text(cx: Any) -> str:
    """A counterexample (:class:`~invariance.result.model.Counterexample`; not imported: the result model
    imports this renderer for Jupyter) as plain text: the data, both predictions, the numbers and how to replay it."""
    lines = [
        f"property: {cx.property}   d = {cx.d}, n = {cx.n}, m = {cx.m}   data: {cx.data_kind}   "
        f"{'shrunk by Hypothesis' if cx.shrunk else 'not shrunk by Hypothesis (found by the seeded sample or sweep)'}",
        f"U: {cx.U_description}",
    ]
    if cx.d <= 8:
        lines.append(matrix_text(cx.U))
    lines += [
        "X_train:",
        matrix_text(cx.X_train),
        f"y_train: {np.array2string(np.asarray(cx.y_train), precision=4)}",
        "X_test:",
        matrix_text(cx.X_test),
    ]
    if cx.property == "pm1":
        lines += ["X_train′ (the twin):", matrix_text(cx.X_train_transformed),
                  "X_test′ (the twin):", matrix_text(cx.X_test_transformed)]
    y0 = "—" if cx.y_hat is None else np.array2string(np.asarray(cx.y_hat), precision=6)
    y1 = "—" if cx.y_hat_transformed is None else np.array2string(np.asarray(cx.y_hat_transformed), precision=6)
    if cx.notes.get("deviation") == "KS statistic":  # a law test's rejection: means over seeds, a KS statistic
        lines += [
            f"mean ŷ(x | X, y) over the seeds    = {y0}",
            f"mean ŷ(Ux | XUᵀ, y) over the seeds = {y1}",
            f"KS statistic {fmt_dev(cx.deviation)} between the two sides' predictions over the seeds (the largest "
            f"over the test points); smallest p-value {cx.notes['p_value']:.2g} before the Bonferroni adjustment, "
            f"the test at level α = {cx.threshold:g} (distribution: the adjusted p and the level of each look)",
        ]
    else:
        lines += [
            f"ŷ(x | X, y)       = {y0}",
            f"ŷ(Ux | XUᵀ, y)    = {y1}",
            *_difference(cx),
            f"deviation {fmt_dev(cx.deviation)} > threshold {fmt_dev(cx.threshold)} "
            f"(rounding noise measured on this example: {fmt_dev(cx.noise)})",
        ]
    if cx.error:
        lines.append(f"error: {cx.error}")
    if cx.notes.get("diagnosis"):
        lines.append(f"diagnosis: {cx.notes['diagnosis']}")
    if cx.scaling:
        s = cx.scaling
        if s.get("applicable"):
            devs = ", ".join(f"θ={t:g}: {fmt_dev(v)}" for t, v in zip(s["angles"], s["deviations"], strict=False))
            lines.append(f"angle scaling in plane {tuple(s['plane'])}: {devs}")
        lines.append(f"diagnosis: {s['diagnosis']}")
    rp = cx.replay_info
    if rp.get("command"):
        lines.append(f"replay: {rp['command']}")
    if rp.get("note"):
        lines.append(f"replay: {rp['note']}")
    return "\n".join(lines)


def shown_text(result: Any, prop: str | None = None, where_minimal: str | None = None) -> str:
    """The counterexample a result shows for ``prop`` (:meth:`~invariance.result.model.Result.shown_counterexample`)
    as text, saying first when it is the strongest rather than the minimal one and where the minimal one is
    (``where_minimal``; default: its place in the result, for pytest and ``assert_verdict``)."""
    minimal = result.counterexample if prop is None else result.counterexamples.get(prop)
    shown = result.shown_counterexample(prop)
    if shown is None:
        return ""
    if shown is not minimal and minimal is not None:
        where = where_minimal or f"result.counterexamples[{minimal.property!r}]"
        return strongest_shown(shown, minimal, where) + "\n" + counterexample_text(shown)
    return counterexample_text(shown)


def strongest_shown(shown: Any, minimal: Any, where_minimal: str) -> str:
    """Why a panel shows the strongest counterexample instead of the minimal one
    (:func:`invariance.judge.shows_strongest`)."""
    m = minimal
    perm = (m.notes or {}).get("column_permutation_deviation")
    if judge.marginal(m.deviation, m.threshold):
        why = f"is within {judge.STRONG_RATIO:g}× of its threshold"
    else:
        why = f"is matched by a mere column permutation of its own data ({fmt_dev(perm)}): its arithmetic, not a proof"
    return (f"strongest counterexample found (deviation {fmt_dev(shown.deviation)} = "
            f"{shown.deviation / shown.threshold:.3g} × its threshold); the minimal one (d={m.d}, n={m.n}, m={m.m}: "
            f"{fmt_dev(m.deviation)} vs threshold {fmt_dev(m.threshold)}) {why} "
            f"— {where_minimal}")
