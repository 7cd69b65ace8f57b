"""``invcheck replay FILE``: re-run a saved counterexample (docs/design.md#replay-files).

Prints the target before importing it, recomputes both sides and prints the deviation. Exit 1 when
the violation still holds (above the recorded threshold, or exactly one side fails), 0 when it no
longer does (the learner was fixed), 2 for a damaged or foreign file or a target that cannot be loaded.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from invariance.cli.parser import Parser
from invariance.errors import on_the_command_line

__all__ = ["run"]


def _parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="invcheck replay",
        description="Re-run a counterexample saved by invcheck TARGET --save DIR: recompute both sides and "
        "compare with the recorded threshold. The TARGET is imported from the directory the check ran in "
        "(recorded in the file), where that still exists. Exit 1 if the violation still holds, 0 if it no "
        "longer does, 2 for a damaged or foreign file or a TARGET that cannot be loaded.",
    )
    p.add_argument("file", metavar="FILE", help="the .json (or .npz) file of a saved counterexample")
    p.add_argument("--json", action="store_true", help="print the outcome as one JSON object")
    return p


@on_the_command_line
def run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    import json

    import numpy as np

    from invariance.judge import FLOOR
    from invariance.result.replay import load, replay_saved
    from invariance.targets import load as load_target

    saved = load(args.file)
    meta = saved.meta
    where = _recorded_directory(meta)
    sys.stderr.write(f"replaying {meta['property']} counterexample of {saved.target} (importing it"
                     f"{' from ' + where + ', where the check ran' if where else ''}) …\n")
    options = (meta.get("settings") or {}).get("options") or {}
    with _directory(where):
        learners = [lrn for lrn in load_target(saved.target, options=options)
                    if lrn.name == meta["name"] or lrn.target == saved.target]
        if not learners:
            from invariance.errors import UsageError

            raise UsageError(f"{saved.target} no longer defines the learner {meta['name']!r}")
        dev = replay_saved(saved, learners[0])
    threshold = float(meta["threshold"])
    holds = dev > threshold
    if args.json:
        sys.stdout.write(json.dumps({"target": saved.target, "property": meta["property"],
                                     "deviation": dev if np.isfinite(dev) else None,
                                     "one_side_failed": not np.isfinite(dev), "threshold": threshold,
                                     "recorded_deviation": meta.get("deviation"), "violation": holds}, indent=2) + "\n")
    else:
        shown = "∞ (exactly one side failed)" if not np.isfinite(dev) else f"{dev:.3g}"
        recorded = meta.get("deviation")
        was = f"{recorded:.3g}" if isinstance(recorded, (int, float)) else "∞"
        state = "still violates" if holds else ("no longer violates (within rounding)" if dev > FLOOR
                                                else "no longer violates")
        sys.stdout.write(f"{saved.target} [{meta['property']}]: deviation {shown} vs threshold {threshold:.3g} "
                         f"(recorded {was}): {state}\n")
    return 1 if holds else 0


def _recorded_directory(meta: dict) -> str | None:
    """The directory the check ran in, where it still exists and is not the current one: its TARGET (a
    relative file, a module beside it) resolves from there."""
    cwd = meta.get("cwd")
    if not isinstance(cwd, str) or not os.path.isdir(cwd) or os.path.realpath(cwd) == os.path.realpath(os.getcwd()):
        return None
    return cwd


@contextlib.contextmanager
def _directory(path: str | None):
    if path is None:
        yield
        return
    here = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(here)
