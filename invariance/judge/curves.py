"""Learning curves against the bound (docs/design.md#learning-curves): a verdict the Hadamard curve
contradicts, a not-invariant learner whose curve stays on the bound, a learner that did not fit.

Each rule returns a finding with its numbers; :mod:`invariance.render.flags` words it as a report flag.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from invariance.verdict import FlagKind, Verdict

__all__ = ["BOUND_MARGIN", "BOUND_Z", "CLAIMS", "CurveFinding", "FIT_TIE", "FIT_TOLERANCE", "FitFinding",
           "bound_allowance", "curve_findings",
           "declared_contradictions", "fit_finding", "fits"]

#: how far below 1 − k/d a mean Hadamard curve must dip to contradict an invariance verdict (the
#: floor of the allowance, to which BOUND_Z standard errors are added)
BOUND_MARGIN = 0.05
#: and by how many standard errors of that mean more (:meth:`invariance.curves.Curves.sem`): the bound
#: is on the *expected* loss, so a randomised learner's mean over a few trials, or a nonlinear learner's,
#: falls below it by chance, the worst of many ks most of all
BOUND_Z = 3.0
#: verdicts that put a learner under the 1 − k/d lower bound on the Hadamard problem
CLAIMS = (Verdict.INVARIANT, Verdict.PM1_INVARIANT, Verdict.INVARIANT_IN_DISTRIBUTION)


@dataclass(frozen=True)
class CurveFinding:
    """A :attr:`FlagKind.CONTRADICTION` (``how`` "verdict" or "declared" claims ``verdict``; ``also``: the
    declared verdict when it claims too and differs) at the worst k, or a :attr:`FlagKind.NOTE` (a
    not-invariant learner ``where`` "on" or "above" the bound at k = d/2)."""

    kind: FlagKind
    k: int
    loss: float
    bound: float
    margin: float
    se: float = 0.0
    how: str | None = None
    verdict: str | None = None
    also: str | None = None
    where: str | None = None


def bound_allowance(margin: float, se: float) -> float:
    """How far below 1 − k/d a mean curve with standard error ``se`` may dip without contradicting a
    claim: ``margin + BOUND_Z·se``."""
    return margin + BOUND_Z * se


def curve_findings(*, verdict: str | None, declared: str | None, d: int | None, ks, mean, bound,
                   margin: float = BOUND_MARGIN, se: float = 0.0) -> tuple[CurveFinding, ...]:
    """Judge one learner's mean Hadamard curve ``mean`` (at ``ks``, which include d/2; standard error
    ``se``) against ``bound`` = 1 − k/d.

    A measured or declared verdict in :data:`CLAIMS` with ``min(mean − bound) < −allowance(margin, se)``
    gives a ``contradiction``; a measured ``not-invariant`` with ``min(mean − bound) ≥ −margin`` a ``note``.
    """
    mean, bound = np.asarray(mean, dtype=float), np.asarray(bound, dtype=float)
    gap = mean - bound
    j = int(np.argmin(gap))
    found = []
    claims = [(how, v) for how, v in (("verdict", verdict), ("declared", declared)) if v in CLAIMS]
    if gap[j] < -bound_allowance(margin, se) and claims:
        how, v = claims[0]
        also = declared if how == "verdict" and declared in CLAIMS and declared != v else None
        found.append(CurveFinding(FlagKind.CONTRADICTION, ks[j], float(mean[j]), float(bound[j]), margin, se=se,
                                  how=how, verdict=v, also=also))
    if verdict == "not-invariant" and gap[j] >= -margin:
        if d is None:
            raise ValueError("curve_findings: a measured not-invariant verdict needs d (its note is at k = d/2)")
        half = list(ks).index(d // 2)
        where = "on" if abs(gap[half]) <= margin else "above"
        found.append(CurveFinding(FlagKind.NOTE, ks[half], float(mean[half]), float(bound[half]), margin,
                                  where=where))
    return tuple(found)


def declared_contradictions(names: list[str], declared: list[str | None], ks, means, bound, *,
                            margin: float = BOUND_MARGIN, ses=None) -> list[tuple[str, CurveFinding]]:
    """For ``invcheck curves``: each learner *declared* a verdict in :data:`CLAIMS` whose mean Hadamard
    curve (a row of ``means``, standard error ``ses[i]``, 0 when not given) contradicts it by the rule
    of :func:`curve_findings`, as (name, its contradiction finding)."""
    ses = [0.0] * len(names) if ses is None else ses
    out = []
    for name, decl, mean, se in zip(names, declared, means, ses, strict=True):
        out += [(name, f) for f in curve_findings(verdict=None, declared=decl, d=None, ks=ks, mean=mean, bound=bound,
                                                  margin=margin, se=float(se))
                if f.kind is FlagKind.CONTRADICTION]
    return out


#: a learner *fits* k examples when its mean training loss is within this of the true parameter's
#: training loss on the same examples (0 on the noise-free problems): a curve of a learner that did
#: not fit shows its optimiser, not what invariance costs
FIT_TOLERANCE = 1e-2
#: tuning scores within this of each other are ties (broken toward the grid's centre): below it,
#: differences in training loss are the optimiser's last digits, not a better fit
FIT_TIE = 1e-4


def fits(train_loss: float, target_loss: float, tolerance: float = FIT_TOLERANCE) -> bool:
    """True when ``train_loss`` (finite) is at most ``target_loss + tolerance``."""
    return bool(np.isfinite(train_loss) and train_loss <= target_loss + tolerance)


@dataclass(frozen=True)
class FitFinding:
    """A learner that did not fit at k: its training loss (None: non-finite) against the target's."""

    k: int
    train_loss: float | None
    target_loss: float


def fit_finding(k: int, train_loss: float | None, target_loss: float) -> FitFinding | None:
    """``did-not-fit`` when the learner's training loss at k (= d/2) stays above the true parameter's
    by more than :data:`FIT_TOLERANCE`."""
    if train_loss is not None and fits(train_loss, target_loss):
        return None
    return FitFinding(k, train_loss, target_loss)
