"""Report flags in words: what a reader must see beside a verdict (docs/design.md#learning-curves).

The judge (:mod:`invariance.judge.curves`) finds a contradiction, a note or a learner that did not
fit; this module words each as a :class:`Flag`.
"""

from __future__ import annotations

from dataclasses import dataclass

from invariance.judge.curves import (
    BOUND_MARGIN,
    BOUND_Z,
    FIT_TOLERANCE,
    CurveFinding,
    bound_allowance,
    curve_findings,
    declared_contradictions,
    fit_finding,
)
from invariance.verdict import FlagKind

__all__ = ["Flag", "contradiction_lines", "curve_flags", "fit_flag", "fit_reason"]


@dataclass(frozen=True)
class Flag:
    """Something a reader must see: ``contradiction`` (verdict vs curve), ``note`` (allowed but
    worth saying), ``no-curve`` (the learner failed on the curve problems) or ``did-not-fit``."""

    kind: FlagKind
    text: str

    def to_json(self) -> dict:
        return {"kind": FlagKind(self.kind).value, "text": self.text}


def _beyond(f: CurveFinding) -> str:
    """How far below the bound a contradiction sits, against what was allowed."""
    noise = f" + {BOUND_Z:g} standard errors {f.se:.3f}" if f.se > 0 else ""
    allowed = bound_allowance(f.margin, f.se)
    return f"{f.bound - f.loss:.3f} below, more than the allowance {allowed:.3f} ({f.margin:g}{noise})"


def curve_flags(*, verdict: str | None, declared: str | None, d: int, ks, mean, bound,
                margin: float = BOUND_MARGIN, se: float = 0.0) -> tuple[Flag, ...]:
    """The flags of :func:`invariance.judge.curves.curve_findings`, worded."""
    flags = []
    for f in curve_findings(verdict=verdict, declared=declared, d=d, ks=ks, mean=mean, bound=bound, margin=margin,
                            se=se):
        if f.kind is FlagKind.CONTRADICTION:
            also = f" (declared {f.also} too)" if f.also else ""
            text = (f"{f.how} {f.verdict}{also}, but the Hadamard loss at k = {f.k} is {f.loss:.3f} < 1 − k/d = "
                    f"{f.bound:.3f} ({_beyond(f)}): an invariant learner cannot beat the bound")
        else:
            text = (f"not-invariant, yet its Hadamard curve stays {f.where} 1 − k/d (k = {f.k}: {f.loss:.3f} vs "
                    f"{f.bound:.3f}; never more than {f.margin:g} below): its lack of invariance buys nothing here")
        flags.append(Flag(f.kind, text))
    return tuple(flags)


def contradiction_lines(names: list[str], declared: list[str | None], ks, means, bound, *,
                        margin: float = BOUND_MARGIN, ses=None) -> list[str]:
    """:func:`invariance.judge.curves.declared_contradictions`, one line each."""
    return [f"{name} is declared {f.verdict} but its Hadamard loss at k={f.k} is {f.loss:.3f} < 1 − k/d = "
            f"{f.bound:.3f} ({_beyond(f)})"
            for name, f in declared_contradictions(names, declared, ks, means, bound, margin=margin, ses=ses)]


def fit_flag(k: int, train_loss: float | None, target_loss: float, reason: str, problem: str | None = None
             ) -> Flag | None:
    """``did-not-fit`` (:func:`invariance.judge.curves.fit_finding`) with the problem it is about (a row
    shows several: the figure must say which), the figure and the reason."""
    f = fit_finding(k, train_loss, target_loss)
    if f is None:
        return None
    figure = "non-finite" if f.train_loss is None else f"{f.train_loss:.3g}"
    on = f" on the {problem} problem" if problem else ""
    return Flag(FlagKind.DID_NOT_FIT, f"did not fit{on}: training loss {figure} at k = {f.k} (the target's: "
                                      f"{f.target_loss:.3g}; tolerance {FIT_TOLERANCE:g}): {reason}")


def fit_reason(record: dict | None, curated: str | None, train_loss: float | None) -> str:
    """Why a learner did not fit, always a sentence: the curated reason where not fitting is the
    learner's design; else what its tuning record shows (nothing to tune, a borderline choice, or the
    grid's best point and how far above the target it stays)."""
    if curated:
        return curated
    figure = "non-finite" if train_loss is None else f"{train_loss:.3g}"
    if not record:
        return f"not tuned (--no-tune): training loss {figure} at the settings given"
    if not record.get("grid"):
        return (f"nothing to tune (no learning rate or passes) and no known reason: training loss {figure} at its "
                "own settings")
    chosen = ", ".join(f"{k}={_setting(v)}" for k, v in record.get("chosen", {}).items())
    score = record.get("score")
    best = "non-finite" if score is None else f"{score:.3g}"
    if record.get("fits"):
        return (f"borderline: its chosen point ({chosen}, of {record.get('evaluated')} grid points) fit the tuning "
                f"draws to {best} but not every curve trial")
    grid = ", ".join(f"{k} ∈ {_setting(min(v))}…{_setting(max(v))}" for k, v in record["grid"].items())
    return (f"no point of its tuning grid ({grid}; {record.get('evaluated')} points) fits: the best, {chosen}, stays "
            f"{best} above the target's training loss")


def _setting(v) -> str:
    """A hyperparameter value: a float to three significant digits, anything else as it prints."""
    return f"{v:.3g}" if isinstance(v, float) else str(v)
