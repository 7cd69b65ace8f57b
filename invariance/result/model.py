"""Structured results: what was measured, what was concluded, and their JSON form (docs/design.md#contracts)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from invariance.verdict import Diagnosis, Symmetry, Verdict

__all__ = ["Counterexample", "PropertyReport", "Result"]


def _listify(a: Any) -> Any:
    if isinstance(a, np.ndarray):
        return a.tolist()
    if isinstance(a, (np.floating, np.integer)):
        return a.item()
    if isinstance(a, dict):
        return {k: _listify(v) for k, v in a.items()}
    if isinstance(a, (list, tuple)):
        return [_listify(v) for v in a]
    if isinstance(a, float) and not np.isfinite(a):
        return None  # JSON has no inf or NaN; the message and the error field say what happened
    return a


@dataclass(frozen=True, eq=False)
class Counterexample:
    """One shrunk violation: both data sets, the map relating them, and both predictions."""

    property: str
    U: np.ndarray
    U_description: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    X_train_transformed: np.ndarray
    X_test_transformed: np.ndarray
    y_hat: np.ndarray | None
    y_hat_transformed: np.ndarray | None
    deviation: float
    threshold: float
    noise: float
    family: str
    data_kind: str
    shrunk: bool
    replay_info: dict  # JSON "replay": seed, command, reproduce_failure
    error: str | None = None
    scaling: dict | None = None
    notes: dict = field(default_factory=dict)
    #: the caller that produced both predictions (learner, profile, the case's seed); None once loaded from JSON
    caller: Any = field(default=None, repr=False, compare=False)
    #: an output property's map of the targets (Y ↦ Y Vᵀ, predictions expected to map alike), and the
    #: transformed side's targets; None for an input property (U maps the inputs)
    V: np.ndarray | None = None
    y_train_transformed: np.ndarray | None = None

    @builtins.property
    def V_description(self) -> str | None:
        if self.V is None:
            return None
        from invariance.data import rotations

        return "V = " + rotations.describe(self.V)

    def __getstate__(self) -> dict:
        # the caller holds the learner, which need not pickle (a -j worker sends results back): drop it
        state = dict(self.__dict__)
        state["caller"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)

    def replay(self) -> float:
        """Recompute both sides with the learner that produced them and return their deviation (inf when
        exactly one side fails, 0 when both fail alike). Compare it with :attr:`threshold`."""
        from invariance.errors import UsageError
        from invariance.result.replay import deviation_of, replay_caller

        if self.caller is None:
            raise UsageError("this counterexample has no learner attached; "
                             "replay a saved file with: invcheck replay FILE")
        return deviation_of(replay_caller(self.caller), self.X_train, self.y_train, self.X_test,
                            self.X_train_transformed, self.X_test_transformed, V=self.V, y2=self.y_train_transformed)

    @builtins.property
    def d(self) -> int:
        return int(self.X_train.shape[1])

    @builtins.property
    def n(self) -> int:
        return int(self.X_train.shape[0])

    @builtins.property
    def m(self) -> int:
        return int(self.X_test.shape[0])

    def to_json(self) -> dict:
        out = {
            "property": self.property,
            "d": self.d,
            "n": self.n,
            "m": self.m,
            "U": self.U,
            "U_description": self.U_description,
            "X_train": self.X_train,
            "y_train": self.y_train,
            "X_test": self.X_test,
            "X_train_transformed": self.X_train_transformed,
            "X_test_transformed": self.X_test_transformed,
            "y_hat": self.y_hat,
            "y_hat_transformed": self.y_hat_transformed,
            "deviation": self.deviation,
            "threshold": self.threshold,
            "rounding_noise": self.noise,
            "family": self.family,
            "data_kind": self.data_kind,
            "shrunk": self.shrunk,
            "error": self.error,
            "scaling": self.scaling,
            "notes": self.notes,
            "replay": self.replay_info,
        }
        if self.V is not None:  # an output property: the targets' map and the transformed side's targets
            out.update({"V": self.V, "V_description": self.V_description,
                        "y_train_transformed": self.y_train_transformed})
        return _listify(out)


@dataclass(frozen=True)
class PropertyReport:
    """The outcome of searching one property: passed, failed (with counterexample), or not run."""

    name: str
    passed: bool
    examples: int
    skips: int
    max_deviation: float | None
    max_noise: float
    counterexample: Counterexample | None
    seconds: float
    note: str | None = None
    #: examples answered on both sides (the rest were refused alike and skipped)
    usable: int | None = None
    #: why a passed search does not carry a verdict (too few usable examples), or None
    evidence: str | None = None
    #: the smallest refused shapes, in words ("d=10, n=1, m=1: ValueError …")
    refused: tuple = ()
    #: the smallest input on which both sides returned NaN/inf, and how many did: {"d", "n", "m", "count"}
    non_finite: dict | None = None
    #: the largest deviation above the floor that was judged rounding, what excused it, and how many were
    excused: dict | None = None
    #: the strongest violation found (largest deviation ÷ threshold), shrunk only while it stays strong
    strongest: Counterexample | None = None
    #: what Hypothesis' shrinking of the counterexample spent: {"evaluations", "budget", "stopped_by_budget"}
    shrink: dict | None = None

    @builtins.property
    def skipped_by_cause(self) -> tuple[int, int, int]:
        """The skipped examples by cause: (refused alike on both sides, NaN/inf on both, NaN/inf on one)."""
        nf = self.non_finite or {}
        both, one = nf.get("count", 0), nf.get("one_sided", 0)
        return self.skips - both - one, both, one

    def to_json(self) -> dict:
        return _listify(
            {
                "passed": self.passed,
                "examples": self.examples,
                "skips": self.skips,
                "usable": self.usable,
                "evidence": self.evidence,
                "refused": list(self.refused),
                "non_finite": self.non_finite,
                "max_deviation": self.max_deviation,
                "max_rounding_noise": self.max_noise,
                "excused": self.excused,
                "strongest": None if self.strongest is None else self.strongest.to_json(),
                "shrink": self.shrink,
                "seconds": round(self.seconds, 4),
                "note": self.note,
            }
        )


@dataclass(frozen=True)
class Result:
    """Everything ``invcheck`` says about one learner."""

    target: str
    name: str
    verdict: Verdict | None
    diagnosis: Diagnosis | None
    expected: Verdict | None
    reason: str | None
    deviation: dict
    symmetry: Symmetry | None
    counterexample: Counterexample | None
    evaluations: int
    seconds: float
    message: str
    properties: dict = field(default_factory=dict)
    counterexamples: dict = field(default_factory=dict)
    warnings: tuple = ()
    distribution: dict | None = None
    detail: str | None = None  # full traceback of a learner failure, for --verbose
    skipped: bool = False  # an optional dependency is missing: no verdict, no failure
    #: the precision the verdict holds at, and how it was chosen (asked for, declared, detected, the default)
    precision: str = "float64"
    precision_note: str | None = None
    #: the inputs the verdict covers (a :class:`~invariance.contract.Domain`; None: every input drawn)
    domain: Any = None
    #: where the counterexample's two runs first part (an optimizer's state key and step), if known
    breaks_at: dict | None = None
    #: for a learner with H ≥ 2 outputs: the largest group of maps V for which Y ↦ YVᵀ gives Ŷ ↦ ŶVᵀ
    output_symmetry: Symmetry | None = None
    #: a reduced-precision learner checked twice: the verdict of its exact-arithmetic twin (casts rewritten
    #: to float64; the same as ``verdict``), and the learner as it computes: {"precision", "verdict",
    #: "diagnosis", "deviation", "symmetry", "message"}
    exact_verdict: Verdict | None = None
    computed: dict | None = None
    #: which path the learner's fits took: "batched: …" (trained together where a probe showed that
    #: they equal runs of their own) or "one by one: …" and why; None for a plain callable
    fits: str | None = None


    def _repr_html_(self) -> str:
        """Jupyter's view: the verdict badge, the deviations, the counterexample (:mod:`invariance.render.notebook`)."""
        from invariance.render.notebook import result_html

        return result_html(self)

    def __repr__(self) -> str:
        """One line (a notebook's plain-text view, a REPL): target, verdict or diagnosis, symmetry, match;
        every field is an attribute, and ``to_json()`` has them all."""
        verdict = None if self.verdict is None else self.verdict.value
        symmetry = None if self.symmetry is None else self.symmetry.value
        extra = f", diagnosis={self.diagnosis.value!r}" if self.diagnosis is not None else (
            ", skipped=True" if self.skipped else "")
        return (f"Result(target={self.target!r}, verdict={verdict!r}{extra}, symmetry={symmetry!r}, "
                f"match={self.match!r})")

    def __str__(self) -> str:
        """One paragraph: the verdict (or diagnosis) with its reason and numbers, and where it came from."""
        diagnosis = self.diagnosis.value if self.diagnosis is not None else "no verdict"
        head = self.message if self.verdict is not None or self.skipped else f"{diagnosis}: {self.message}"
        return f"{head} [{self.target}; {self.evaluations} evaluations, {self.seconds:.2f} s]"

    def shown_counterexample(self, prop: str | None = None) -> Counterexample | None:
        """The counterexample to show (and save) for property ``prop`` (default: the verdict's): the minimal
        one, unless the judge says the strongest one the search saw stands in for it
        (:func:`~invariance.judge.tolerance.shows_strongest`: the minimal one is marginal, or a twin whose
        deviation a mere column permutation matches)."""
        from invariance.judge.tolerance import shows_strongest

        cx = self.counterexample if prop is None else self.counterexamples.get(prop)
        if cx is None or cx.error is not None or not cx.threshold:
            return cx
        strong = getattr(self.properties.get(cx.property), "strongest", None)
        if strong is not None and shows_strongest(cx.deviation, cx.threshold,
                                                  (cx.notes or {}).get("column_permutation_deviation")):
            return strong
        return cx

    @property
    def failed(self) -> bool:
        return self.diagnosis is not None

    @property
    def mismatch(self) -> bool:
        return self.expected is not None and not self.skipped and self.verdict != self.expected

    @property
    def match(self) -> bool | None:
        """Whether the verdict is the declared one (the JSON's ``match``); None when none was declared."""
        return None if self.expected is None else not self.mismatch

    def to_json(self) -> dict:
        return {
            "target": self.target,
            "name": self.name,
            "verdict": None if self.verdict is None else self.verdict.value,
            "diagnosis": None if self.diagnosis is None else self.diagnosis.value,
            "expected": None if self.expected is None else self.expected.value,
            "deviation": _listify(dict(self.deviation)),
            "symmetry": None if self.symmetry is None else self.symmetry.value,
            "output_symmetry": None if self.output_symmetry is None else self.output_symmetry.value,
            "counterexample": None if self.counterexample is None else self.counterexample.to_json(),
            "evaluations": int(self.evaluations),
            "seconds": round(float(self.seconds), 4),
            "match": self.match,
            "reason": self.reason,
            "message": self.message,
            "warnings": list(self.warnings),
            "properties": {k: v.to_json() for k, v in self.properties.items()},
            "counterexamples": {k: v.to_json() for k, v in self.counterexamples.items()},
            "distribution": _listify(self.distribution),
            "skipped": self.skipped,
            "precision": self.precision,
            "precision_note": self.precision_note,
            "domain": None if self.domain is None else self.domain.to_json(),
            "breaks_at": _listify(self.breaks_at),
            "exact_verdict": None if self.exact_verdict is None else self.exact_verdict.value,
            "computed": _listify(self.computed),
            "fits": self.fits,
        }
