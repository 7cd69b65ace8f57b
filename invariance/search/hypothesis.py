"""Searching one property with Hypothesis.

:func:`search_property` runs Hypothesis on a strategy of :class:`~invariance.data.strategies.Case`
and returns the *shrunk* violating case (Hypothesis replays the minimal example last, so the last
violation recorded is the minimal one), cleaned up by :func:`~invariance.search.shrink.post_shrink`.
Hypothesis' own reporting is silenced; the seed makes the run deterministic, and an example database
is used only where one is asked for (earlier failures then replay first).

Shrinking is bounded by evaluations, not by the clock: once a violation is found, at most
:func:`shrink_budget` further examples are fitted (Hypothesis' own five-minute shrinking limit is lifted
for the search, so that how far a counterexample shrinks never depends on the machine's load). Past the
budget a candidate is not fitted: one already seen to violate is answered from the record, any other
passes, and the smallest violation found so far is the counterexample.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hseed
from hypothesis.errors import Flaky, Unsatisfiable
from hypothesis.reporting import with_reporter

from invariance.data.strategies import Case
from invariance.probe.call import CallError
from invariance.search.run import Outcome, PropertyRun
from invariance.search.shrink import post_shrink
from invariance.verdict import Diagnosis

__all__ = ["SHRINK_FLOOR", "search_property", "shrink_budget"]

#: the fewest evaluations shrinking may spend, whatever the property's budget
SHRINK_FLOOR = 100


def shrink_budget(max_examples: int) -> int:
    """How many examples shrinking may fit after the first violation: as many as the search itself may
    fit, and at least :data:`SHRINK_FLOOR` (so at the default budget shrinking takes at most half of a
    property's evaluations, and a small ``max_examples`` still leaves room for a typical shrink)."""
    return max(max_examples, SHRINK_FLOOR)


def _case_key(case: Case) -> bytes:
    h = hashlib.sha256()
    for a in (case.X_train, case.y_train, case.X_test, case.X_train_t, case.X_test_t, case.y_train_t):
        if a is not None:
            h.update(repr(a.shape).encode())
            h.update(a.tobytes())
    return h.digest()


class _Found(Exception):
    pass


def _database(path: str | None):
    if not path:
        return None
    from hypothesis.database import DirectoryBasedExampleDatabase

    return DirectoryBasedExampleDatabase(path)


@contextmanager
def _no_shrink_clock():
    """Lift Hypothesis' wall-clock limit on shrinking (five minutes; documented as monkeypatchable) while
    a search runs: :func:`shrink_budget` bounds shrinking by evaluations instead."""
    from hypothesis.internal.conjecture import engine

    limit = engine.MAX_SHRINKING_SECONDS
    engine.MAX_SHRINKING_SECONDS = 10**9
    try:
        yield
    finally:
        engine.MAX_SHRINKING_SECONDS = limit


@contextmanager
def _no_local_constants():
    """Hypothesis draws a share of its values from the constants written in the "local" modules loaded in
    the process (any code outside site-packages and the standard library). Which examples a seed gives would
    then depend on what the process had imported — the user's learner file, a notebook's helpers, a test
    session's modules (a seed-1 check inside a long-lived process drew other examples than the same check
    run alone). During a search Hypothesis sees none: same seed, same examples. Hypothesis' global constants
    (0, 1, boundary values) stay, as they are the same in every process."""
    try:
        from hypothesis.internal.conjecture import providers

        get, cache, empty = providers._get_local_constants, providers.CONSTANTS_CACHE, providers.Constants()
    except (ImportError, AttributeError):  # a Hypothesis without the mechanism
        yield
        return
    providers._get_local_constants = lambda: empty
    cache.cache.clear()  # its entries hold the local constants seen so far
    try:
        yield
    finally:
        providers._get_local_constants = get
        cache.cache.clear()


def search_property(
    run: PropertyRun,
    strategy,
    *,
    max_examples: int,
    seed: int,
    database: str | None = None,
    key: str = "",
) -> tuple[Outcome | None, str | None]:
    """Search for a violation; returns (shrunk outcome or None, @reproduce_failure line or None)."""
    if max_examples <= 0:
        return None, None
    budget = shrink_budget(max_examples)
    seen: dict[bytes, Outcome] = {}  # every violation found, by its data (for answering past the budget)

    @settings(
        max_examples=max_examples,
        database=_database(database),
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=True,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
    )
    @given(strategy)
    def test(case: Case) -> None:
        if run.found_at is not None and run.examples - run.found_at >= budget:
            run.shrink_cut = True
            key = _case_key(case)
            if key in seen:
                run.last = seen[key]
                raise _Found()
            return
        if run.evaluate(case):
            assert run.last is not None
            seen[_case_key(case)] = run.last
            if run.found_at is None:
                run.found_at = run.examples
            raise _Found()

    if not database:  # @seed disables the example database: with one, earlier failures replay first instead
        test = hseed(seed)(test)
    test._hypothesis_internal_database_key = hashlib.sha256(key.encode()).digest()  # type: ignore[attr-defined]
    run.shrink_budget = budget
    try:
        with with_reporter(lambda _msg: None), _no_local_constants(), _no_shrink_clock():
            test()
    except _Found as found:
        notes = "\n".join(getattr(found, "__notes__", []))
        match = re.search(r"@reproduce_failure\([^)]*\)", notes)
        shrunk = run.last
        if run.found_at is not None:
            run.shrink_spent = run.examples - run.found_at
        if shrunk is not None and shrunk.error is None:
            before = (shrunk.case.d, shrunk.case.n, shrunk.case.m)
            shrunk = post_shrink(run, shrunk)
            if (shrunk.case.d, shrunk.case.n, shrunk.case.m) != before:
                match = None  # the blob replays Hypothesis' example, not the cleaned-up one
        return shrunk, match.group(0) if match else None
    except Flaky:
        run.fatal = CallError(
            Diagnosis.NONDETERMINISTIC,
            "a violation did not reproduce when replayed: predictions change between identical calls",
        )
        return None, None
    except Unsatisfiable:
        run.note = "no valid example could be drawn"
        return None, None
    return None, None
