"""The invariance report's data types: a :class:`Report` of :class:`Section` s of :class:`Row` s, frozen,
each with its JSON form (docs/design.md#learning-curves). :mod:`invariance.report.build` builds them
from measured sections; :mod:`invariance.report.render` renders them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from invariance.curves.result import Curves
from invariance.judge import BOUND_MARGIN
from invariance.render.breaks import breaks_at_words
from invariance.render.flags import Flag
from invariance.result.model import Result

__all__ = ["MARGIN", "Flag", "Row", "Section", "Report", "compact_counterexample"]

MARGIN = BOUND_MARGIN  # the report's name for the judge's bound margin


def compact_counterexample(cx: dict | None) -> dict | None:
    """The counterexample's identity card: property, d, n, m, U, deviation (and what the number is)."""
    if not cx:
        return None
    notes = cx.get("notes") or {}
    return {
        "property": cx["property"],
        "d": cx["d"],
        "n": cx["n"],
        "m": cx["m"],
        "U": cx.get("U_description"),
        "deviation": cx.get("deviation"),
        "deviation_is": notes.get("deviation", "relative deviation of the predictions"),
        "threshold": cx.get("threshold"),
        "shrunk": cx.get("shrunk"),
        "error": cx.get("error"),
    }


@dataclass(frozen=True)
class Row:
    """One learner: what the checker concluded and what its curves show."""

    target: str
    name: str
    verdict: str | None
    diagnosis: str | None
    declared: str | None
    match: bool | None
    deviation: dict
    symmetry: str | None
    counterexample: dict | None
    message: str
    skipped: bool
    hadamard_half: float | None = None
    pm1_half: float | None = None
    first_k: int | None = None  # first k with mean Hadamard loss < 0.1
    flags: tuple[Flag, ...] = ()
    settings: dict = field(default_factory=dict)  # curve key → the hyperparameters its curves used
    #: curve key → {k, train_loss, target_loss, tolerance, fits} at k = d/2 (Curves.fit_at)
    fit: dict = field(default_factory=dict)
    #: the deviation cells as the tables print them: "4.1e-01 violation", "8.6e-03 excused", "KS 0.08, p 0.93"
    cells: dict = field(default_factory=dict)
    result: Result | None = field(default=None, compare=False)
    #: learners with several outputs (the atlas's 3×d layer): the output side's group
    output_symmetry: str | None = None
    #: an optimizer's first state that stops transforming (the result's breaks_at), or None
    breaks_at: dict | None = None
    #: the atlas: the line of the optimizer's source that decides its verdict, in words, and where
    reason: str | None = None
    source: str | None = None

    def to_json(self) -> dict:
        return {
            "target": self.target,
            "name": self.name,
            "verdict": self.verdict,
            "diagnosis": self.diagnosis,
            "declared": self.declared,
            "match": self.match,
            "deviation": dict(self.deviation),
            "deviation_cells": dict(self.cells),
            "symmetry": self.symmetry,
            "counterexample": self.counterexample,
            "message": self.message,
            "skipped": self.skipped,
            "hadamard_loss_at_half": self.hadamard_half,
            "pm1_loss_at_half": self.pm1_half,
            "first_k_below_0.1": self.first_k,
            "train_loss_at_half": self.train_half,
            "fit": {k: dict(v) for k, v in self.fit.items()},
            "flags": [f.to_json() for f in self.flags],
            "curve_settings": {k: _jsonable(v) for k, v in self.settings.items()},
            "output_symmetry": self.output_symmetry,
            "breaks_at": breaks_at_words(self.breaks_at),
            "reason": self.reason,
            "source": self.source,
        }

    @property
    def train_half(self) -> float | None:
        """The training loss at k = d/2 on the first curve problem (Hadamard in the main sections)."""
        for v in self.fit.values():
            return v.get("train_loss")
        return None


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    description: str
    rows: tuple[Row, ...]
    plan: dict | None  # CurvePlan.to_json() plus the ks used
    curves: dict[str, Curves] = field(default_factory=dict)
    plots: dict[str, str] = field(default_factory=dict)  # problem → PNG file name
    omitted: str | None = None
    seconds: dict = field(default_factory=dict)
    #: the follow-up problems' summaries (:func:`followup_summary`): excess at a few n, the ratio to
    #: the reference, n × excess per d and its slope in d beside the rates'
    followup: dict = field(default_factory=dict)
    kind: str = "learners"  # or "atlas": optimizer rows with output symmetry, breaks_at and reasons

    @property
    def paper(self) -> bool:
        """True when the section's curves are the paper's problems (Hadamard, ±1), or it has none."""
        return not self.followup

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "description": self.description,
            "omitted": self.omitted,
            "plan": self.plan,
            "plots": dict(self.plots),
            "seconds": {k: round(v, 1) for k, v in self.seconds.items()},
            "rows": [r.to_json() for r in self.rows],
            "curves": {p: c.to_json() for p, c in self.curves.items()},
            "followup": self.followup,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Report:
    sections: tuple[Section, ...]
    command: str
    config: dict
    environment: dict
    seconds: float
    margin: float = MARGIN

    @property
    def rows(self) -> list[Row]:
        return [r for s in self.sections for r in s.rows]

    def flags(self, kind: str | None = None) -> list[tuple[Section, Row, Flag]]:
        return [(s, r, f) for s in self.sections for r in s.rows for f in r.flags if kind in (None, f.kind)]

    def to_json(self) -> dict:
        """The report's JSON: ``results`` is the ``invcheck --json`` list (docs/design.md#contracts) for every row."""
        return {
            "report": "invcheck rotation-invariance report",
            "format": 1,
            "command": self.command,
            "config": self.config,
            "environment": self.environment,
            "seconds": round(self.seconds, 1),
            "margin": self.margin,
            "sections": [s.to_json() for s in self.sections],
            "flags": [
                {"section": s.key, "target": r.target, "name": r.name, **f.to_json()} for s, r, f in self.flags()
            ],
            "results": [r.result.to_json() for r in self.rows if r.result is not None],
        }


def _jsonable(v: Any) -> Any:
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    if isinstance(v, (str, int, float, bool, type(None))):
        return v
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return repr(v)
