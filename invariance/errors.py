"""One exception family for everything invcheck raises on purpose.

Messages say what went wrong, quote the offending value and suggest the fix, on one line: the CLI
prints ``str(exc)`` and exits with ``exc.exit_code`` instead of showing a traceback.
"""

from __future__ import annotations

__all__ = ["InvarianceError", "UsageError", "LearnerFailure", "MissingDependency", "SkippedWarning",
           "run_subcommand"]


class SkippedWarning(UserWarning):
    """Something a TARGET holds that invcheck leaves out, said in one line (``invcheck`` prints it as
    ``invcheck: note: …``)."""


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
    """The learner itself misbehaved (raised, hung, returned NaN or the wrong shape); ``diagnosis`` says
    which: a :class:`~invariance.verdict.Diagnosis` member (a str enum: this module, the root of every
    other, imports nothing of invcheck's)."""

    exit_code = 3

    def __init__(self, diagnosis: str, message: str):
        super().__init__(message)
        self.diagnosis = diagnosis


def run_subcommand(run, argv) -> int:
    """Run a subcommand's ``run(argv) -> int``: an :class:`InvarianceError` becomes one line on stderr
    and its exit code; ``--help`` (SystemExit) its code. Shared by ``invcheck curves`` and ``report``."""
    import sys

    try:
        return run(list(sys.argv[1:] if argv is None else argv))
    except InvarianceError as exc:
        print(f"invcheck: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc.exit_code
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
