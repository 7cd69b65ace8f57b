"""The ``invcheck`` command line: one dispatcher, one module per subcommand.

    invcheck TARGET... [--json] [--expect VERDICT] [--seed S] [--max-examples N] [-j N]   (cli/check.py)
    invcheck list [TARGET...]                                                            (cli/listing.py)
    invcheck curves TARGET... --problem hadamard|pm1|gaussian --d D --trials T [--json]   (cli/curves.py)
    invcheck report [TARGET...] --out reports/                                           (cli/report.py)
    invcheck replay FILE                                                                 (cli/replay.py)
    invcheck atlas PACKAGE... --out atlas/                                               (cli/atlas.py)
    invcheck --version                                                                   (prints "invcheck 0.1.0")

Exit codes: 0 every verdict matches its declaration (or none was declared); 1 a mismatch;
2 a usage or import error (one line on stderr); 3 a learner failed or the evidence is inconclusive
(a diagnosis instead of a verdict).
Heavy imports (numpy, hypothesis, rich) happen after argument parsing so ``--help`` is instant.
"""

from __future__ import annotations

import sys

__all__ = ["main", "entry"]

#: subcommand → (module, its entry function); a bare TARGET list is "check"
SUBCOMMANDS = {
    "check": ("invariance.cli.check", "run"),
    "list": ("invariance.cli.listing", "run"),
    "curves": ("invariance.cli.curves", "main"),
    "report": ("invariance.cli.report", "main"),
    "replay": ("invariance.cli.replay", "run"),
    "atlas": ("invariance.cli.atlas", "main"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--version" in argv and not (argv and argv[0] in SUBCOMMANDS and argv[0] != "check"):
        from invariance import (
            __version__,  # lazily: --help and --version import nothing heavy
        )

        sys.stdout.write(f"invcheck {__version__}\n")
        return 0
    from invariance.errors import SURFACE

    surface = SURFACE.set("cli")  # messages name flags (--passes), not the API's keywords
    try:
        _private_hypothesis_home()
        _one_line_notes()
        cmd, rest = (argv[0], argv[1:]) if argv and argv[0] in SUBCOMMANDS else ("check", argv)
        import importlib

        module, function = SUBCOMMANDS[cmd]
        return getattr(importlib.import_module(module), function)(rest)
    except KeyboardInterrupt:
        sys.stderr.write("invcheck: interrupted\n")
        return 130
    except Exception as exc:
        from invariance.errors import InvarianceError

        if isinstance(exc, InvarianceError):
            sys.stderr.write(f"invcheck: error: {exc}\n")
            return exc.exit_code
        raise
    finally:
        SURFACE.reset(surface)


def _private_hypothesis_home() -> None:
    """Hypothesis keeps files (a cache of the constants in loaded modules, an example database) in
    ``./.hypothesis``; a command run in a user's project must not leave one there. Its home goes to the
    user's cache directory instead (``$XDG_CACHE_HOME/invcheck/hypothesis``, else ``~/.cache/…``), which
    keeps the constants cache warm (a cold one cost 0.2 s of a 1.2 s verdict), unless HYPOTHESIS_STORAGE_DIRECTORY
    says otherwise. ``--database DIR`` keeps examples where the user asks."""
    import os

    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(base, "invcheck", "hypothesis")


def _one_line_notes() -> None:
    """invcheck's own :class:`~invariance.errors.SkippedWarning` as one line, ``invcheck: note: …``."""
    import warnings

    from invariance.errors import SkippedWarning

    shown = warnings.showwarning
    if getattr(shown, "invcheck", False):
        return

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, SkippedWarning):
            sys.stderr.write(f"invcheck: note: {message}\n")
        else:
            shown(message, category, filename, lineno, file, line)

    show.invcheck = True  # type: ignore[attr-defined]
    warnings.showwarning = show


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
