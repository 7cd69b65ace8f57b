"""invcheck: is a learner rotation invariant? Property-based answers with counterexamples.

Public API (docs/design.md#contracts)::

    import invariance
    result = invariance.check(my_learner, seed=0)        # -> invariance.Result
    results = invariance.check_many(["algorithms"], jobs=2)
    invariance.assert_verdict(my_learner, "invariant")   # raises with the shrunk counterexample
    invariance.view_report("reports/")                   # a written report, inline in Jupyter

A target is a function ``f(X_train, y_train, X_test) -> y_hat``, a ``@learner``-decorated one, a
scikit-learn estimator class or instance, a ``torch.optim.Optimizer`` subclass, a module, or a
TARGET string as on the command line. ``@learner(verdict, reason=...)`` declares a verdict;
:class:`Verdict`, :class:`Diagnosis` and :class:`Symmetry` are the stable identifiers.
"""

from invariance.api import InvarianceAssertion, assert_verdict, check, check_many
from invariance.contract import Declaration, Learner, learner
from invariance.errors import (
    InvarianceError,
    LearnerFailure,
    MissingDependency,
    UsageError,
)
from invariance.report.view import view_report
from invariance.result.model import Counterexample, PropertyReport, Result
from invariance.settings import Budget, CheckConfig
from invariance.verdict import Diagnosis, Symmetry, Verdict

__all__ = [
    "assert_verdict",
    "Budget",
    "check",
    "check_many",
    "CheckConfig",
    "Counterexample",
    "Declaration",
    "Diagnosis",
    "InvarianceAssertion",
    "InvarianceError",
    "Learner",
    "LearnerFailure",
    "MissingDependency",
    "PropertyReport",
    "Result",
    "Symmetry",
    "UsageError",
    "Verdict",
    "learner",
    "view_report",
]
__version__ = "0.1.0"
