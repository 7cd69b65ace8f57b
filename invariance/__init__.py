"""invcheck: is a learner rotation invariant? Property-based answers with counterexamples.

Public API: :func:`learner` (registration), :func:`check` (measure + judge one learner),
:func:`assert_verdict`, and the stable identifiers :class:`Verdict`, :class:`Diagnosis`,
:class:`Symmetry`. See DESIGN §1–8 for the mathematics and the contracts.
"""

from .errors import InvarianceError, LearnerFailure, MissingDependency, UsageError
from .registry import Declaration, Learner, learner
from .verdict import Diagnosis, Symmetry, Verdict

__all__ = [
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
