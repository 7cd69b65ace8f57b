"""``breaks_at``: where a learner's two runs stop transforming alike (docs/design.md#where-it-breaks)."""

from __future__ import annotations

from dataclasses import replace

from invariance.contract import Learner
from invariance.data.strategies import OUTPUT_PROPERTIES
from invariance.result.model import Result

__all__ = ["explained"]


def explained(learner: Learner, randomized: bool, result: Result) -> Result:
    """The result with ``breaks_at`` when the learner can explain its counterexample (an optimizer
    replays both runs and names the first state that stops transforming like its weight). An
    explanation that fails leaves the verdict alone and says so in ``breaks_at``."""
    if learner.explain is None or not result.counterexamples or randomized:
        return result
    by_property = {}
    for name in ("orthogonal", "pm1", *OUTPUT_PROPERTIES):
        cx = result.counterexamples.get(name)
        if cx is None or cx.error is not None:
            continue
        try:
            by_property[name] = learner.explain(cx)
        except Exception as exc:  # an explanation is extra: it never costs the verdict
            by_property[name] = {"key": None,
                                 "note": f"could not replay the runs state by state: {type(exc).__name__}: {exc}"}
    # the verdict's counterexample first; an input-invariant learner is explained by its output side
    primary = by_property.get(result.counterexample.property) if result.counterexample is not None else None
    if primary is None:
        primary = next(iter(by_property.values()), None)
    if primary is None:
        return result
    return replace(result, breaks_at={**primary, "by_property": by_property})
