"""One exception family for everything invcheck raises on purpose.

Messages say what went wrong, quote the offending value and suggest the fix, on one line: the CLI
prints ``str(exc)`` and exits with ``exc.exit_code`` instead of showing a traceback.
"""

from __future__ import annotations

__all__ = ["InvarianceError", "UsageError", "LearnerFailure", "MissingDependency"]


class InvarianceError(Exception):
    """Root of every error invcheck raises deliberately."""

    exit_code = 2


class UsageError(InvarianceError):
    """The caller asked for something that cannot work: bad target, bad option, not a learner."""

    exit_code = 2


class MissingDependency(UsageError):
    """An optional dependency (torch, scikit-learn, matplotlib) is needed and absent."""

    def __init__(self, package: str, extra: str, purpose: str):
        super().__init__(
            f"{purpose} needs {package}, which is not installed; "
            f"install it with: pip install 'invcheck[{extra}]'"
        )
        self.package = package
        self.extra = extra


class LearnerFailure(InvarianceError):
    """The learner itself misbehaved (raised, hung, returned NaN or the wrong shape)."""

    exit_code = 3

    def __init__(self, diagnosis: str, message: str):
        super().__init__(message)
        self.diagnosis = diagnosis
