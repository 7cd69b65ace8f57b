"""The one argparse parser every ``invcheck`` subcommand uses: a usage error is one line (a
:class:`~invariance.errors.UsageError`, exit 2), with the option meant where one was misspelt."""

from __future__ import annotations

import argparse
import difflib
import re

from invariance.errors import UsageError

__all__ = ["Parser"]


class Parser(argparse.ArgumentParser):
    """argparse that raises :class:`UsageError` (one line) instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message}{self._did_you_mean(message)} (see {self.prog} --help)")

    def _did_you_mean(self, message: str) -> str:
        found = re.match(r"unrecognized arguments: (.*)", message)
        if not found:
            return ""
        known = [o for action in self._actions for o in action.option_strings if o.startswith("--")]
        for token in found.group(1).split():
            if token.startswith("--"):
                close = difflib.get_close_matches(token.split("=", 1)[0], known, n=1, cutoff=0.7)
                if close:
                    return f"; did you mean {close[0]}?"
        return ""
