"""One exception family for everything invcheck raises on purpose.

Messages say what went wrong, quote the offending value and suggest the fix, on one line: the CLI
prints ``str(exc)`` and exits with ``exc.exit_code`` instead of showing a traceback.
"""

from __future__ import annotations

import contextvars

__all__ = ["InvarianceError", "UsageError", "LearnerFailure", "MissingDependency", "SkippedWarning",
           "run_subcommand", "one_line", "SURFACE", "API_WORDS", "api_words", "on_surface", "on_the_command_line"]

def one_line(exc: BaseException, limit: int | None = None) -> str:
    """``ExcType: the first line of its message`` (the message cut at ``limit`` characters), or the type
    alone for an empty message: how every failure is said in one line."""
    text = str(exc).strip()
    msg = text.splitlines()[0][:limit] if text else ""
    return f"{type(exc).__name__}{': ' + msg if msg else ''}"


#: who is asking: "cli" while the command line runs (messages name its flags: ``--passes``), "api" otherwise
#: (messages name the keywords of :func:`invariance.check`: ``passes``)
SURFACE: contextvars.ContextVar[str] = contextvars.ContextVar("invcheck_surface", default="api")


def on_the_command_line(run):
    """Decorate a subcommand's ``run(argv)``: while it runs, messages name the command line's flags."""
    import functools

    @functools.wraps(run)
    def wrapped(*args, **kwargs):
        token = SURFACE.set("cli")
        try:
            return run(*args, **kwargs)
        finally:
            SURFACE.reset(token)

    return wrapped


#: flag → the API's keyword (``--max-examples`` → ``max_examples``): filled by :mod:`invariance.options` from
#: its table when it is imported (this module, the root of every other, imports nothing of invcheck's)
API_WORDS: dict[str, str] = {}


def api_words(text: str) -> str:
    """``text`` with every flag of :data:`API_WORDS` written as the API's keyword: ``--max-examples 0`` →
    ``max_examples 0``, ``--opt KEY=VALUE`` → ``opt KEY=VALUE``; other flags are left as they are."""
    import re

    return re.sub(r"(?<![\w-])--[a-z][a-z0-9-]*(?![\w-])", lambda m: API_WORDS.get(m.group(0), m.group(0)), text)


def on_surface(text: str) -> str:
    """``text`` in the words of the surface asking: unchanged on the command line; in the API, every flag of
    the options table as its keyword (:func:`api_words`)."""
    return text if SURFACE.get() == "cli" else api_words(text)


class SkippedWarning(UserWarning):
    """Something a TARGET holds that invcheck leaves out, said in one line (``invcheck`` prints it as
    ``invcheck: note: …``)."""


class InvarianceError(Exception):
    """Root of every error invcheck raises deliberately."""

    exit_code = 2


class UsageError(InvarianceError):
    """The caller asked for something that cannot work: bad target, bad option, not a learner. Its text
    names options as the surface asking spells them (:func:`on_surface`): ``--passes`` on the command line,
    ``passes`` in the API."""

    exit_code = 2

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.surface = SURFACE.get()  # where it was raised decides its words, not where it is printed

    def __str__(self) -> str:
        text = super().__str__()
        return text if self.surface == "cli" else api_words(text)


class MissingDependency(UsageError):
    """An optional dependency (torch, scikit-learn, matplotlib) is needed and absent."""

    def __init__(self, package: str, extra: str, purpose: str):
        super().__init__(
            f"{purpose} needs {package}, which is not installed; "
            f"install it with: pip install 'invcheck[{extra}]'"
        )
        self.package = package
        self.extra = extra
        self.purpose = purpose

    def __reduce__(self):  # rebuilt from its own arguments where it crosses a process (a -j N or Dask worker)
        return type(self), (self.package, self.extra, self.purpose), self.__dict__


class LearnerFailure(InvarianceError):
    """The learner itself misbehaved (raised, hung, returned NaN or the wrong shape); ``diagnosis`` says
    which: a :class:`~invariance.verdict.Diagnosis` member (a str enum: this module, the root of every
    other, imports nothing of invcheck's)."""

    exit_code = 3

    def __init__(self, diagnosis: str, message: str):
        super().__init__(message)
        self.diagnosis = diagnosis

    def __reduce__(self):
        return type(self), (self.diagnosis, str(self)), self.__dict__


def run_subcommand(run, argv) -> int:
    """Run a subcommand's ``run(argv) -> int``: an :class:`InvarianceError` becomes one line on stderr
    and its exit code; ``--help`` (SystemExit) its code. Shared by ``invcheck curves`` and ``report``."""
    import sys

    try:
        return on_the_command_line(run)(list(sys.argv[1:] if argv is None else argv))
    except InvarianceError as exc:
        print(f"invcheck: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc.exit_code
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
