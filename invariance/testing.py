"""Gating your own learners in pytest.

One-liner::

    from invariance.testing import assert_verdict
    def test_my_learner():
        assert_verdict(my_learner, "invariant")

One test id per registered learner × property, honouring each ``@learner`` declaration::

    from invariance.testing import invariance_cases
    @invariance_cases("mypkg.learners")          # any TARGETs, as on the command line
    def test_invariance(case):
        case.check()                              # fails with the shrunk counterexample

or, with the plugin (registered under ``pytest11``), request the ``invcheck_case`` fixture and list the
targets in ``pytest.ini``: ``invcheck_targets = mypkg.learners``.

A declaration implies an outcome for each property: ``invariant`` → no violation on generic data nor
on ±1 twins; ``pm1-invariant`` → a generic violation but none on twins; ``not-invariant`` → a twin
violation (generic data may go either way). Each property's test checks its implied outcome.
"""

from __future__ import annotations

import builtins
import functools
from dataclasses import dataclass

from invariance.api import InvarianceAssertion, assert_verdict
from invariance.judge import IMPLIED
from invariance.pipeline import check_learner
from invariance.render.text import shown_text
from invariance.result.model import Result
from invariance.settings import CheckConfig
from invariance.verdict import Verdict

__all__ = ["assert_verdict", "invariance_cases", "InvarianceCase", "cases_for", "InvarianceAssertion"]

PROPERTIES = ("orthogonal", "pm1")


def _render(result: Result) -> str:
    text = [result.message]
    if result.counterexample is not None:
        text += ["", shown_text(result)]
    return "\n".join(text)


@functools.cache
def _cached_check(target: str, name: str, seed: int, max_examples: int | None) -> Result:
    from invariance.targets import load

    for learner in load(target):
        if learner.name == name:
            return check_learner(learner, CheckConfig(seed=seed, max_examples=max_examples))
    raise LookupError(f"{name} not found in {target}")


@dataclass(frozen=True)
class InvarianceCase:
    """One learner × one property, checked against the learner's declaration."""

    target: str
    name: str
    declared: Verdict | None
    reason: str | None
    property: str
    seed: int = 0
    max_examples: int | None = None

    @builtins.property
    def id(self) -> str:
        return f"{self.name}-{self.property}"

    def result(self) -> Result:
        return _cached_check(self.target, self.name, self.seed, self.max_examples)

    def check(self) -> Result:
        __tracebackhide__ = True
        import pytest

        if self.declared is None:
            pytest.skip(f"{self.target} declares no verdict (decorate it with @invariance.learner)")
        result = self.result()
        if result.failed:
            assert result.diagnosis is not None  # failed means a diagnosis instead of a verdict
            raise InvarianceAssertion(f"{self.target}: {result.diagnosis.value}: {result.message}")
        if self.property == "verdict" or self.declared is Verdict.INVARIANT_IN_DISTRIBUTION:
            if result.verdict is not self.declared:
                got = result.verdict.value if result.verdict is not None else "no verdict"
                raise InvarianceAssertion(
                    f"{self.target} is declared {self.declared.value} ({self.reason}) but is {got}\n{_render(result)}"
                )
            return result
        must_pass = IMPLIED[self.declared][self.property]
        report = result.properties.get(self.property)
        if must_pass is None or report is None:
            return result
        if must_pass and not report.passed:
            cx = result.counterexamples.get(self.property)
            raise InvarianceAssertion(
                f"{self.target} is declared {self.declared.value} ({self.reason}), but the {self.property} property "
                f"fails:\n{shown_text(result, self.property) if cx else result.message}"
            )
        if not must_pass and report.passed:
            raise InvarianceAssertion(
                f"{self.target} is declared {self.declared.value} ({self.reason}), but no {self.property} violation "
                f"was found in {report.examples} examples (max deviation {report.max_deviation:.1e}); "
                f"its verdict is {result.verdict.value if result.verdict is not None else 'none'}"
            )
        return result


def cases_for(*targets: str, seed: int = 0, max_examples: int | None = None) -> list[InvarianceCase]:
    from invariance.targets import load_many

    out = []
    for learner in load_many(list(targets)):
        props = ("verdict",) if learner.randomized else PROPERTIES
        for prop in props:
            out.append(InvarianceCase(learner.target, learner.name, learner.expected, learner.reason, prop, seed,
                                      max_examples))
    return out


def invariance_cases(*targets: str, seed: int = 0, max_examples: int | None = None):
    """``pytest.mark.parametrize("case", …)`` over every learner of ``targets`` × property. ``seed`` and
    ``max_examples`` are the defaults: ``--invcheck-seed`` and ``--invcheck-max-examples``, where given,
    override them (the plugin sets them on each case after collection)."""
    import pytest

    cases = cases_for(*targets, seed=seed, max_examples=max_examples)
    return pytest.mark.parametrize("case", cases, ids=[c.id for c in cases])
