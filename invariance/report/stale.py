"""Is a committed report stale? Re-derive its verdict column cheaply and compare.

A full report takes minutes; re-deriving its verdicts takes seconds, because a verdict rests on
evidence that the report's JSON keeps:

* a **violation** is a concrete counterexample (both data sets, the recorded threshold). Replaying it
  — two calls — re-proves exactly that the property still fails, whatever budget found it;
* a property **without** a violation is searched again with a reduced budget (``max_examples``),
  no symmetry searches and no sweep; a violation found there contradicts the committed verdict;
* a **randomised** learner's distribution test is re-run with ``samples`` seeds per side;
* a **diagnosis** (a learner that cannot be judged) is re-derived by the checker's probe;
* an **inconclusive** from the evidence rule (too few usable examples, or most excused by rounding) counts
  shares of the committed search's examples, which a reduced budget changes (small examples come
  first): it is re-derived by a check at the committed budget (``committed_examples``).

For an unchanged learner and checker the replays reproduce every recorded violation, so the
re-derived verdict can differ from the committed one only through a violation that the committed
verdict missed — which makes the committed report wrong, hence stale, too. :func:`recheck` measures;
:func:`stale_rows` only compares (a pure function, tested with doctored inputs).
"""

from __future__ import annotations

from dataclasses import dataclass

from invariance import judge
from invariance.contract import Learner
from invariance.pipeline import check_learner
from invariance.probe.call import Caller, Profile
from invariance.result.replay import still_violates
from invariance.settings import Budget, CheckConfig
from invariance.verdict import Diagnosis

__all__ = ["Fresh", "recheck", "stale_rows"]


@dataclass(frozen=True)
class Fresh:
    """A re-derived verdict (or diagnosis), the declared verdict now, and how it was obtained."""

    target: str
    verdict: str | None
    diagnosis: str | None
    declared: str | None
    how: str
    skipped: bool = False  # a dependency is missing here: nothing to compare
    #: recorded output counterexamples that no longer violate (the committed output symmetry is too small)
    output_fixed: tuple[str, ...] = ()


def recheck(learner: Learner, committed: dict, *, max_examples: int = 20, samples: int = 50, seed: int = 0,
            committed_examples: int | None = None) -> Fresh:
    """Re-derive the verdict of ``learner`` given its committed ``invcheck --json`` result
    (``committed_examples``: the ``--max-examples`` the committed result was searched with, None for
    the default budget)."""
    declared = None if learner.expected is None else learner.expected.value
    if committed.get("diagnosis") == Diagnosis.INCONCLUSIVE.value and committed.get("distribution") is None:
        r = check_learner(learner, CheckConfig(seed=seed, max_examples=committed_examples))
        return _as_checked(learner, r, declared,
                           f"re-checked at the committed budget ({committed_examples or 'default'} examples)")
    if committed.get("distribution") is not None:
        r = check_learner(learner, CheckConfig(seed=seed, samples=samples))
        how = f"distribution test re-run with {samples} seeds per side"
        if r.diagnosis is Diagnosis.INCONCLUSIVE and r.distribution:
            # too few seeds to exclude a shift, by design of this cheap re-run: a test that did not reject
            # reads as passing here, so only a changed rejection makes the row stale
            read = {k: "excluded" if r.distribution[k]["outcome"] == "undecided" else r.distribution[k]["outcome"]
                    for k in ("orthogonal", "pm1")}
            judgement = judge.law_verdict(read["orthogonal"], read["pm1"])
            assert judgement is not None  # outcomes read as rejected/excluded always decide
            verdict = judgement.verdict
            return Fresh(learner.target, verdict.value, None, declared,
                         how + " (undecided tests read as not rejecting)")
        return _as_checked(learner, r, declared, how)
    # a learner that takes rng but ignores it was judged as deterministic (seed 0)
    caller = Caller(learner, profile=Profile(randomized=False))
    cxs = committed.get("counterexamples") or {}
    replayed = {p: p in cxs and cxs[p].get("X_train") is not None and still_violates(caller, cxs[p])
                for p in ("orthogonal", "pm1")}
    budget = Budget(0 if replayed["orthogonal"] else max_examples, 0 if replayed["pm1"] else max_examples, 0,
                    sweep=False)
    r = check_learner(learner, CheckConfig(seed=seed, budget=budget))
    # a property not searched (its counterexample replayed) carries no examples: the evidence rule's
    # inconclusive is expected here, and the verdict is re-derived from the properties below
    if (r.diagnosis is not None and r.diagnosis is not Diagnosis.INCONCLUSIVE) or r.skipped:
        return Fresh(learner.target, None, r.diagnosis and r.diagnosis.value, declared,
                     r.message if r.skipped else "probe", r.skipped)
    failed = {p: replayed[p] or not r.properties[p].passed for p in ("orthogonal", "pm1")}
    verdict = judge.verdict_of(not failed["orthogonal"], not failed["pm1"]).verdict
    how = "; ".join(
        f"{p}: {'recorded counterexample replayed' if replayed[p] else f'searched with {max_examples} examples'}"
        for p in ("orthogonal", "pm1")
    )
    # the output side: every recorded output counterexample must still violate
    fixed = tuple(p for p, cx in cxs.items() if p.startswith("output-") and cx.get("X_train") is not None
                  and not still_violates(caller, cx))
    return Fresh(learner.target, verdict.value, None, declared, how, output_fixed=fixed)


def _as_checked(learner: Learner, r, declared: str | None, how: str) -> Fresh:
    """A full check's result as it stands (its own message for ``how`` when it was skipped)."""
    return Fresh(learner.target, r.verdict and r.verdict.value, r.diagnosis and r.diagnosis.value, declared,
                 r.message if r.skipped else how, r.skipped)


def stale_rows(committed_rows: list[dict], fresh: list[Fresh], *, section: str = "") -> list[str]:
    """Why the committed rows no longer describe the learners (empty when they still do).

    ``committed_rows`` are a section's rows from ``invariance.json``; ``fresh`` the re-derived
    verdicts of the learners the section names *now*. A learner added, removed, re-declared or with
    another verdict or diagnosis makes the section stale.
    """
    where = f"[{section}] " if section else ""
    old = {r["target"]: r for r in committed_rows}
    new = {f.target: f for f in fresh}
    out = [f"{where}{t}: not in the committed report (a new learner)" for t in new if t not in old]
    out += [f"{where}{t}: in the committed report but no longer loaded" for t in old if t not in new]
    for t, f in new.items():
        r = old.get(t)
        if r is None or r.get("skipped") or f.skipped:
            continue
        for key, now in (("verdict", f.verdict), ("diagnosis", f.diagnosis), ("declared", f.declared)):
            if r.get(key) != now:
                out.append(f"{where}{t}: committed {key} {r.get(key)!r}, now {now!r} ({f.how})")
        for p in f.output_fixed:
            out.append(f"{where}{t}: the recorded {p} counterexample no longer violates (committed output symmetry "
                       f"{r.get('output_symmetry')!r} is stale)")
    return out
