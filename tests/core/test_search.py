"""Tests of invariance.search: one property's Hypothesis search and the seeded sweep behind it."""

from __future__ import annotations

import hypothesis
import numpy as np
import pytest
from learners import controls as C

import invariance.search.run as search
from invariance.contract import as_learner
from invariance.data import rotations
from invariance.data.strategies import Case, orthogonal_cases
from invariance.probe.call import Caller
from invariance.search.hypothesis import search_property
from invariance.search.run import PropertyRun
from invariance.search.sweep import sweep_cases


def prun(fn, seed=0) -> PropertyRun:
    return PropertyRun("orthogonal", Caller(as_learner(fn, name=fn.__name__, target="t")), seed)


def nudged_case() -> Case:
    rng = np.random.default_rng(4)
    X = rng.standard_normal((7, 3))
    U = rotations.givens(3, 0, 1, 0.3)
    return Case("orthogonal", X[:5], rng.standard_normal(5), X[5:], U, X[:5] @ U.T, X[5:] @ U.T, "givens", "gaussian")


def test_sweep_covers_large_d_and_n():
    """docs/design.md#rotations-and-data: d ∈ {1, 2, 3, 4, 6, 8, 12, 16}, n ∈ {1, ⌊d/2⌋, d, 2d + 3}, m = 3, a Haar U
    for every (d, n) and one Givens rotation for d ≥ 2 — 54 problems, up to n = 35."""
    cases = sweep_cases(0)
    grid = [(d, n) for d in (1, 2, 3, 4, 6, 8, 12, 16) for n in sorted({1, max(1, d // 2), d, 2 * d + 3})]
    expected = sorted([(d, n, "haar") for d, n in grid] + [(d, n, "givens") for d, n in grid if d >= 2])
    assert sorted((c.d, c.n, c.family) for c in cases) == expected
    assert len(cases) == 54 and max(c.n for c in cases) == 35
    assert {c.m for c in cases} == {3}
    for c in cases:
        assert rotations.orthogonality_error(c.U) <= 1e-12
        assert np.array_equal(c.X_train_t, c.X_train @ c.U.T) and np.array_equal(c.X_test_t, c.X_test @ c.U.T)


def test_sweep_is_seeded():
    a, b, c = sweep_cases(3), sweep_cases(3), sweep_cases(4)
    assert all(np.array_equal(x.X_train, y.X_train) and np.array_equal(x.U, y.U) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x.X_train, y.X_train) for x, y in zip(a, c, strict=True))


def test_evaluating_a_case_is_a_pure_function_of_it(monkeypatch):
    """The calibration of a case must not depend on how many cases came before: Hypothesis replays
    the shrunk case and calls a changed outcome Flaky, which the checker reports as nondeterministic."""
    seeds = []
    real = search.rounding_noise

    def spy(meter, case, a, b, seed):
        seeds.append(seed)
        return real(meter, case, a, b, seed)

    monkeypatch.setattr(search, "rounding_noise", spy)
    run = prun(C.least_squares_nudged)
    case = nudged_case()
    first = run.evaluate(case)
    first_seeds = list(seeds)
    run.evaluate(nudged_case())
    assert seeds[len(first_seeds):] == first_seeds
    for other in sweep_cases(1)[:20]:
        run.evaluate(other)
    mark = len(seeds)
    again = run.evaluate(case)
    assert first is again is True
    # a violation must survive CONFIRM_PROBES probes, seeded case_seed, case_seed + 1, …
    assert seeds[mark:] == first_seeds == [first_seeds[0] + k for k in range(3)]
    assert len(set(seeds)) > len(first_seeds)  # other cases get other seeds


def test_search_finds_and_shrinks_a_violation():
    run = prun(C.least_squares_nudged)
    outcome, blob = search_property(run, orthogonal_cases(), max_examples=50, seed=0)
    case = outcome.case
    assert (case.d, case.n, case.m) == (1, 1, 1)
    assert case.family == "reflection" and case.U.tolist() == [[-1.0]]  # the simplest U in d = 1
    # the reflection leaves least squares alone and flips the nudge 1e-4·x: the deviation is the nudge's
    ls = case.X_test[0, 0] * case.y_train[0] / case.X_train[0, 0]
    nudge = 1e-4 * case.X_test[0, 0]
    want = 2 * abs(nudge) / max(abs(ls + nudge), abs(ls - nudge), abs(case.y_train[0]))
    assert outcome.deviation == pytest.approx(want, rel=1e-9) and outcome.deviation > outcome.threshold
    # Hypothesis shrank to d = n = m = 1 itself, so the post-shrink changed no size and the blob is kept
    assert blob.startswith(f"@reproduce_failure('{hypothesis.__version__}', b'") and blob.endswith("')")
    assert run.fatal is None


def test_search_of_an_invariant_learner_finds_nothing():
    run = prun(C.least_squares)
    outcome, blob = search_property(run, orthogonal_cases(), max_examples=30, seed=0)
    assert outcome is None and blob is None
    assert run.examples == 30 and run.max_deviation < 1e-10


def test_search_uses_the_example_database(tmp_path):
    """A failure found once is replayed first from the database the next time: the second run's first
    evaluation is a violation. Which counterexample shrinking ends at is not asserted (Hypothesis' choice)."""
    db = str(tmp_path / "db")
    first = prun(C.least_squares_nudged)
    search_property(first, orthogonal_cases(), max_examples=50, seed=0, database=db, key="k")
    assert first.found_at is not None and first.found_at > 1  # control: a fresh search needs a few tries
    again = prun(C.least_squares_nudged)
    outcome, _ = search_property(again, orthogonal_cases(), max_examples=50, seed=123, database=db, key="k")
    assert again.found_at == 1
    assert outcome is not None and outcome.error is None and outcome.deviation > outcome.threshold
    assert again.examples <= first.examples
    fresh = prun(C.least_squares_nudged)
    search_property(fresh, orthogonal_cases(), max_examples=50, seed=123)
    assert fresh.found_at is not None and fresh.found_at > 1  # control: not found first without the database


def test_shrinking_is_bounded_by_evaluations_not_the_clock(monkeypatch):
    """Shrinking spends at most shrink_budget(max_examples) fits after the first violation; past it the
    smallest violation found so far is the counterexample, the same at every run (no wall clock)."""
    from hypothesis.internal.conjecture import engine

    import invariance.search.hypothesis as H

    full = prun(C.least_squares_nudged)
    clock = []

    def spying(X, y, Xt):
        clock.append(engine.MAX_SHRINKING_SECONDS)
        return C.least_squares_nudged(X, y, Xt)

    search_property(PropertyRun("orthogonal", Caller(as_learner(spying, name="s", target="t")), 0),
                    orthogonal_cases(), max_examples=20, seed=0)
    assert min(clock) > 10**6 and engine.MAX_SHRINKING_SECONDS == 300  # lifted during the search only
    outcome, _ = search_property(full, orthogonal_cases(), max_examples=50, seed=0)
    assert not full.shrink_cut and full.shrink_spent > 2 and full.shrink_budget == 100
    monkeypatch.setattr(H, "shrink_budget", lambda m: 2)
    cut = []
    for _ in range(2):
        run = prun(C.least_squares_nudged)
        got, blob = search_property(run, orthogonal_cases(), max_examples=50, seed=0)
        assert run.shrink_cut and run.shrink_spent <= 2
        assert got is not None and got.error is None and got.deviation > got.threshold  # still a violation
        cut.append((got.case.d, got.case.n, got.case.m, got.deviation))
    assert cut[0] == cut[1]
    assert cut[0][:3] != (1, 1, 1)  # the cap bit: the full shrink reached d = n = m = 1


def test_shrink_budget_is_the_search_budget_with_a_floor():
    from invariance.search.hypothesis import SHRINK_FLOOR, shrink_budget

    assert shrink_budget(150) == 150 and shrink_budget(300) == 300
    assert shrink_budget(5) == SHRINK_FLOOR == 100


def test_a_cut_shrink_is_said_in_the_report(monkeypatch):
    import invariance
    import invariance.search.hypothesis as H

    monkeypatch.setattr(H, "shrink_budget", lambda m: 2)
    res = invariance.check(C.least_squares_nudged, seed=0, max_examples=40).to_json()
    orth = res["properties"]["orthogonal"]
    assert res["verdict"] == "not-invariant"
    assert orth["shrink"] == {"evaluations": 2, "budget": 2, "stopped_by_budget": True}
    assert "budget of 2 evaluations" in orth["note"]


@pytest.mark.parametrize("budget", [0, -1])
def test_no_budget_no_search(budget):
    run = prun(C.least_squares_nudged)
    assert search_property(run, orthogonal_cases(), max_examples=budget, seed=0) == (None, None)
    assert run.examples == 0



def test_a_seed_gives_the_same_examples_whatever_modules_are_loaded(tmp_path, monkeypatch):
    """Hypothesis draws some values from the constants of the user's own modules loaded in the process;
    the search must not: the same seed draws the same examples before and after a module full of
    constants (a user's learner file, a notebook's helpers) is imported."""
    import importlib

    from hypothesis import strategies as st
    from hypothesis.internal.conjecture import providers

    class Recording:
        last = None
        found_at = None
        examples = 0

        def __init__(self):
            self.drawn = []

        def evaluate(self, case) -> bool:
            self.drawn.append(case)
            return False

    strategy = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 24), st.floats(1e-3, 6.28))

    def drawn():
        run = Recording()
        search_property(run, strategy, max_examples=300, seed=11)
        return run.drawn

    before = drawn()
    ints = ", ".join(str(k) for k in range(1000, 1400))
    floats = ", ".join(f"{1 + k / 7:.6f}" for k in range(400))
    (tmp_path / "many_constants_mod.py").write_text(f"INTS = [{ints}]\nFLOATS = [{floats}]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("many_constants_mod")
    assert providers.is_local_module_file(str(tmp_path / "many_constants_mod.py"))  # the control: it counts
    assert len(before) == 300 and drawn() == before
