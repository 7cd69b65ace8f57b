"""Printed replays run as printed from the user's directory (no PYTHONPATH), and saved counterexamples
round-trip through ``invcheck replay`` (exit 1 while the violation holds, 0 once the learner is fixed,
2 for a damaged or foreign file)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

BIN = Path(sys.executable).parent
BROKEN = textwrap.dedent(
    """
    import numpy as np

    def f(X_train, y_train, X_test):
        # least squares plus a per-coordinate nudge: not rotation invariant
        w = np.linalg.pinv(X_train) @ y_train
        return X_test @ w + 1e-3 * np.abs(X_test).sum(axis=1)
    """
)
FIXED = textwrap.dedent(
    """
    import numpy as np

    def f(X_train, y_train, X_test):
        return X_test @ (np.linalg.pinv(X_train) @ y_train)
    """
)


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HYPOTHESIS_STORAGE_DIRECTORY")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "200"
    return env


def _run(cmd: list[str] | str, cwd: Path) -> subprocess.CompletedProcess:
    args = shlex.split(cmd) if isinstance(cmd, str) else cmd
    return subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300)


def _replay_line(out: str) -> str:
    lines = [raw.strip(" │\n") for raw in out.splitlines()]  # the panel's borders
    line = next(candidate for candidate in lines if candidate.startswith("replay: invcheck"))
    return line.removeprefix("replay: ")


@pytest.mark.parametrize("layout", ["file", "package"])
def test_printed_replay_runs_from_the_users_directory(tmp_path, layout):
    if layout == "file":
        (tmp_path / "mine.py").write_text(BROKEN)
        target = "mine.py:f"
    else:
        (tmp_path / "mypkg").mkdir()
        (tmp_path / "mypkg" / "__init__.py").write_text("")
        (tmp_path / "mypkg" / "learners.py").write_text(BROKEN)
        target = "mypkg.learners:f"
    first = _run(["invcheck", target, "--max-examples", "20"], tmp_path)
    assert first.returncode == 0, first.stderr
    command = _replay_line(first.stdout)
    assert command.startswith(f"invcheck {target} --seed 0")
    again = _run(command, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "not-invariant" in again.stdout or "pm1-invariant" in again.stdout
    assert not (tmp_path / ".hypothesis").exists()  # no example database unless --database asks


def test_a_lambda_is_named_by_file_and_line_and_says_it_cannot_be_reimported(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(
        "import numpy as np, invariance\n"
        "r = invariance.check(lambda X, y, Xt: Xt @ (np.linalg.pinv(X) @ y) + 1e-3 * np.abs(Xt).sum(1), "
        "max_examples=20)\n"
        "print(r.target)\n"
        "print(r.counterexample.replay_info['command'])\n"
        "print(r.counterexample.replay_info['note'])\n"
        "print(r.counterexample.replay() > r.counterexample.threshold)\n"
    )
    out = _run([sys.executable, "script.py"], tmp_path)
    assert out.returncode == 0, out.stderr
    target, command, note, holds = out.stdout.splitlines()
    assert target == "<<lambda> at script.py:2>" and command == "None"
    assert "cannot be re-imported" in note and holds == "True"


def test_save_and_replay_round_trip(tmp_path):
    (tmp_path / "mine.py").write_text(BROKEN)
    r = _run(["invcheck", "mine.py:f", "--max-examples", "20", "--save", "cx", "--json"], tmp_path)
    assert r.returncode == 0, r.stderr
    saved = sorted((tmp_path / "cx").glob("*.json"))
    assert [p.name for p in saved] == ["f-orthogonal.json"]  # Σ|x| is constant on ±1 data: pm1-invariant
    meta = json.loads(saved[0].read_text())
    assert meta["format"] == "invcheck-counterexample" and meta["target"] == "mine.py:f"
    assert {"settings", "threshold", "deviation", "cwd"} <= set(meta) and "versions" in meta["settings"]
    with np.load(saved[0].with_suffix(".npz"), allow_pickle=False) as npz:
        assert {"U", "X_train", "y_train", "X_test", "y_hat", "y_hat_transformed"} <= set(npz.files)

    holds = _run(["invcheck", "replay", "cx/f-orthogonal.json"], tmp_path)
    assert holds.returncode == 1, holds.stderr
    assert "replaying orthogonal counterexample of mine.py:f" in holds.stderr  # named before importing
    assert "still violates" in holds.stdout
    dev = float(re.search(r"deviation (\S+)", holds.stdout).group(1))
    assert dev == pytest.approx(meta["deviation"], rel=1e-2)

    # issue 20, item 6: from another directory the TARGET resolves where the check ran (recorded as cwd)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    away = _run(["invcheck", "replay", str(saved[0])], elsewhere)
    assert away.returncode == 1, away.stderr
    assert "still violates" in away.stdout and f"from {tmp_path}, where the check ran" in away.stderr

    (tmp_path / "mine.py").write_text(FIXED)
    fixed = _run(["invcheck", "replay", "cx/f-orthogonal.npz", "--json"], tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert json.loads(fixed.stdout)["violation"] is False


def test_damaged_or_foreign_files_are_refused_in_one_line(tmp_path):
    (tmp_path / "mine.py").write_text(BROKEN)
    assert _run(["invcheck", "mine.py:f", "--max-examples", "20", "--save", "cx"], tmp_path).returncode == 0
    cx = tmp_path / "cx"
    (cx / "foreign.json").write_text(json.dumps({"format": "something-else"}))
    (cx / "foreign.npz").write_bytes((cx / "f-orthogonal.npz").read_bytes())
    (cx / "alone.json").write_text(json.dumps({"format": "something-else"}))  # a foreign JSON with no .npz
    (cx / "garbage.json").write_text(json.dumps(json.loads((cx / "f-orthogonal.json").read_text())))
    (cx / "garbage.npz").write_bytes(b"garbage")  # numpy reads it as a pickle
    meta = json.loads((cx / "f-orthogonal.json").read_text())
    (cx / "damaged.json").write_text(json.dumps(meta))
    (cx / "damaged.npz").write_bytes(b"not a zip file")
    (cx / "pickled.json").write_text(json.dumps(meta))
    np.savez(cx / "pickled.npz", U=np.array([object()], dtype=object), X_train=np.ones((1, 1)))
    (cx / "shapes.json").write_text(json.dumps(meta))
    arrays = dict(np.load(cx / "f-orthogonal.npz"))
    arrays["y_train"] = np.ones(99)
    np.savez(cx / "shapes.npz", **arrays)
    for name, why in (("foreign", "format"), ("damaged", "unreadable arrays"), ("pickled", "unreadable arrays"),
                      ("shapes", "inconsistent shapes"), ("missing", "no such file"), ("alone", "format"),
                      ("garbage", "unreadable arrays")):
        out = _run(["invcheck", "replay", f"cx/{name}.json"], tmp_path)
        assert out.returncode == 2, (name, out.stdout, out.stderr)
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and why in lines[0] and "Traceback" not in out.stderr, (name, out.stderr)
        assert "allow_pickle" not in out.stderr, out.stderr  # issue 20, item 9: never numpy's advice to unpickle
        assert "replaying" not in out.stderr  # nothing imported for a bad file
