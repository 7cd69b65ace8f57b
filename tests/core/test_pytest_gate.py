"""The CI gate for users' own repositories (docs/design.md#contracts, ``invariance.testing``, the pytest plugin).

A scratch repository with two registered learners — one declared correctly, one declared
``invariant`` although it normalises each coordinate separately (truly ``pm1-invariant``) — is gated
three ways: ``@invariance_cases(...)`` in a test module, the ``invcheck_case`` fixture with
``invcheck_targets`` in the ini, and ``assert_verdict``. The correct learner's ids must pass, the
wrong one's ``orthogonal`` id must fail with the shrunk counterexample in the failure report, and its
``pm1`` id must pass (the declaration is wrong only about generic data).

Each scratch run is a subprocess (a user's CI runs pytest afresh; it also keeps the Hypothesis
profile the plugin loads out of this session).
"""

from __future__ import annotations

import re

import pytest

pytest_plugins = ["pytester"]

LEARNERS = '''
import numpy as np
from invariance import learner


@learner("invariant", reason="minimum-norm least squares: (X Uᵀ)⁺ = U X⁺")
def least_squares(X_train, y_train, X_test):
    return X_test @ (np.linalg.pinv(X_train) @ y_train)


@learner("invariant", reason="WRONG on purpose: w_i = Σ_t x_ti y_t / Σ_t x_ti² scales each coordinate")
def coordinatewise(X_train, y_train, X_test):
    den = np.einsum("ti,ti->i", X_train, X_train)
    w = np.divide(X_train.T @ y_train, den, out=np.zeros(X_train.shape[1]), where=den > 0)
    return X_test @ w
'''

#: a small budget keeps each scratch run to a few seconds; seed 0 gives the same examples every run
BUDGET = 30


def _outcomes(result: pytest.RunResult) -> dict[str, str]:
    """test id suffix -> PASSED/FAILED, from ``pytest -v`` lines such as ``test_x.py::t[least_squares-pm1] PASSED``."""
    out = {}
    for line in result.outlines:
        if "[" in line and "]" in line and (" PASSED" in line or " FAILED" in line):
            ident = line[line.index("[") + 1 : line.index("]")]
            out[ident] = "PASSED" if " PASSED" in line else "FAILED"
    return out


EXPECTED = {
    "least_squares-orthogonal": "PASSED",
    "least_squares-pm1": "PASSED",
    "coordinatewise-orthogonal": "FAILED",
    "coordinatewise-pm1": "PASSED",
}


def _assert_counterexample_reported(result: pytest.RunResult) -> None:
    text = result.stdout.str()
    assert "is declared invariant" in text and "but the orthogonal property fails" in text
    assert "property: orthogonal   d = 2" in text  # shrunk to the smallest d with a non-trivial rotation
    assert "U: " in text and "replay: invcheck mylearners:coordinatewise --seed 0" in text
    assert "Traceback" not in text


def test_invariance_cases_decorator_gates_each_learner_and_property(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(mylearners=LEARNERS)
    pytester.makepyfile(
        test_gate=f"""
from invariance.testing import invariance_cases

@invariance_cases("mylearners", max_examples={BUDGET})
def test_invariance(case):
    case.check()
"""
    )
    result = pytester.runpytest_subprocess("-v", "-p", "no:cacheprovider")
    assert _outcomes(result) == EXPECTED, result.stdout.str()
    result.assert_outcomes(passed=3, failed=1)
    _assert_counterexample_reported(result)


def test_command_line_seed_and_budget_reach_the_decorator_form(pytester: pytest.Pytester) -> None:
    """``--invcheck-seed`` and ``--invcheck-max-examples`` override ``@invariance_cases``'s own values (docs/ci.md
    passes ``--invcheck-seed 0`` to exactly that form); without them the decorator's values hold."""
    pytester.makepyfile(mylearners=LEARNERS)
    pytester.makepyfile(
        test_seen="""
from invariance.testing import invariance_cases

@invariance_cases("mylearners", seed=5, max_examples=11)
def test_seen(case):
    print(f"SEEN {case.id} seed={case.seed} budget={case.max_examples}")
"""
    )

    def seen(*args: str) -> set[str]:
        result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider", *args)
        result.assert_outcomes(passed=4)
        return set(re.findall(r"SEEN \S+ (seed=\S+ budget=\S+)", result.stdout.str()))

    assert seen() == {"seed=5 budget=11"}
    assert seen("--invcheck-seed", "3", "--invcheck-max-examples", "7") == {"seed=3 budget=7"}
    assert seen("--invcheck-seed", "0") == {"seed=0 budget=11"}


def test_invcheck_case_fixture_reads_targets_from_the_ini(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(mylearners=LEARNERS)
    pytester.makeini(
        f"""
[pytest]
invcheck_targets = mylearners
addopts = --invcheck-max-examples {BUDGET}
"""
    )
    pytester.makepyfile(
        test_gate="""
def test_invariance(invcheck_case):
    invcheck_case.check()
"""
    )
    result = pytester.runpytest_subprocess("-v", "-p", "no:cacheprovider")
    assert _outcomes(result) == EXPECTED, result.stdout.str()
    result.assert_outcomes(passed=3, failed=1)
    _assert_counterexample_reported(result)


def test_invcheck_case_fixture_without_targets_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_gate="def test_invariance(invcheck_case):\n    invcheck_case.check()\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*invcheck_case fixture needs targets*invcheck_targets*"])


def test_assert_verdict_passes_and_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(mylearners=LEARNERS)
    pytester.makepyfile(
        test_gate=f"""
from invariance import assert_verdict
from mylearners import coordinatewise, least_squares

def test_correct_declaration():
    result = assert_verdict(least_squares, "invariant", max_examples={BUDGET})
    assert result.deviation["orthogonal"] < 1e-10   # the numbers come back on success

def test_true_verdict_of_the_wrong_one():
    assert_verdict(coordinatewise, "pm1-invariant", max_examples={BUDGET})

def test_wrong_declaration():
    assert_verdict(coordinatewise, "invariant", max_examples={BUDGET})
"""
    )
    result = pytester.runpytest_subprocess("-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_wrong_declaration FAILED*",
            "*InvarianceAssertion: mylearners:coordinatewise: expected invariant, got pm1-invariant*",
            "*property: orthogonal   d = 2*",
        ]
    )


MORE_LEARNERS = '''
import numpy as np
from invariance import learner


@learner("pm1-invariant", reason="WRONG on purpose: least squares is invariant, declared more weakly")
def weakly_declared(X_train, y_train, X_test):
    return X_test @ (np.linalg.pinv(X_train) @ y_train)


@learner("invariant", reason="raises on every input: a diagnosis, never a pass")
def broken(X_train, y_train, X_test):
    raise RuntimeError("solver diverged")
'''


def test_the_gate_fails_a_declaration_weaker_than_the_learner_and_a_diagnosis(pytester: pytest.Pytester) -> None:
    """A learner declared pm1-invariant must show a generic-data violation: least squares does not, so its
    orthogonal id fails ("no orthogonal violation was found"); its pm1 id passes. A learner that gets a
    diagnosis fails every id, with the diagnosis in the message."""
    pytester.makepyfile(mylearners=MORE_LEARNERS)
    pytester.makepyfile(
        test_gate=f"""
from invariance.testing import invariance_cases

@invariance_cases("mylearners", max_examples={BUDGET})
def test_invariance(case):
    case.check()
"""
    )
    result = pytester.runpytest_subprocess("-v", "-p", "no:cacheprovider")
    assert _outcomes(result) == {
        "weakly_declared-orthogonal": "FAILED",
        "weakly_declared-pm1": "PASSED",
        "broken-orthogonal": "FAILED",
        "broken-pm1": "FAILED",
    }, result.stdout.str()
    text = result.stdout.str()
    assert "is declared pm1-invariant (WRONG on purpose" in text and "but no orthogonal violation was found" in text
    assert "mylearners:broken: error: raised on valid generic input" in text
