"""Where a learner's state breaks (``breaks_at``, docs/design.md#where-it-breaks), in words: the one
place that words it, for the terminal panel (:func:`breaks_at_line`), the report's JSON and atlas
(:func:`breaks_at_words`) and the report's table cell (:func:`breaks_at_cell`)."""

from __future__ import annotations

from invariance.render.numbers import fmt_dev

__all__ = ["breaks_at_line", "breaks_at_words", "breaks_at_cell"]


def breaks_at_line(b: dict) -> str:
    """``breaks at: exp_avg_sq at step 1 does not transform like the weight (deviation 1.3e+00)``, or
    the note when every state transforms; the other property's finding when it differs."""
    head = (f"breaks at: {b['why']} (deviation {fmt_dev(b['deviation'])})" if b.get("key")
            else f"breaks at: — {b.get('note', '')}")
    others = [
        f"{name}: {o['key']} at step {o['step']}" for name, o in (b.get("by_property") or {}).items()
        if name != b.get("property") and o.get("key") and (o["key"], o.get("step")) != (b.get("key"), b.get("step"))
    ]
    return head + (f"; on the other property ({'; '.join(others)})" if others else "")


def breaks_at_words(b: dict | None) -> str | None:
    """``exp_avg_sq (step 1)`` — the first state that stops transforming; or why there is none."""
    if not b:
        return None
    if b.get("key") is None:
        return b.get("note")
    where = "the weight itself" if b["key"] == "weight" else b["key"]
    return f"{where} (step {b['step']}, {b.get('property')})"


def breaks_at_cell(b: dict | None, *, verdict: str | None, randomised: bool, target: str) -> str:
    """The report's "breaks at" cell: :func:`breaks_at_words`, or why there is nothing to say — ``—``
    for an invariant learner (or no verdict), else why no state was replayed."""
    words = breaks_at_words(b)
    if words is not None:
        return words
    if verdict in (None, "invariant", "invariant-in-distribution"):
        return "—"
    if randomised:
        return "none: randomised, judged by the two-sample test (no single pair of runs to replay)"
    if target.startswith("optax"):
        return "none: the state replay covers torch optimizers"
    return "none recorded"
