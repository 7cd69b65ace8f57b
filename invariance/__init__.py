"""invcheck: is a learner rotation invariant? Property-based answers with counterexamples.

Public API: :func:`learner` (registration), :func:`check` (measure + judge one learner),
:func:`assert_verdict`, and the stable identifiers :class:`Verdict`, :class:`Diagnosis`,
:class:`Symmetry`. See DESIGN §1–8 for the mathematics and the contracts.
"""

from invariance.errors import InvarianceError, LearnerFailure, MissingDependency, UsageError
from invariance.learner import Declaration, Learner, learner
from invariance.verdict import Diagnosis, Symmetry, Verdict

def check(learner, config=None):
    """Measure and judge one learner (see :func:`invariance.check.check`)."""
    from invariance.pipeline import check as _check

    return _check(learner, config)


def assert_verdict(learner, verdict, *, config=None):
    """Raise ``AssertionError`` with the shrunk counterexample unless ``learner``'s verdict is ``verdict``."""
    __tracebackhide__ = True
    from invariance.testing import assert_verdict as _assert

    return _assert(learner, verdict, config=config)


__all__ = [
    "assert_verdict",
    "check",
    "Declaration",
    "Diagnosis",
    "InvarianceError",
    "Learner",
    "LearnerFailure",
    "MissingDependency",
    "Symmetry",
    "UsageError",
    "Verdict",
    "learner",
]
__version__ = "0.1.0"
