"""The public API: invariance.check / check_many / assert_verdict on every target form, the same
verdicts as the command line, and a package without import cycles or name clashes."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import pkgutil
from dataclasses import FrozenInstanceError
from pathlib import Path

import numpy as np
import pytest

import invariance
from invariance import InvarianceAssertion, UsageError, Verdict, learner
from invariance.cli import main

BUDGET = {"max_examples": 20}


def _every_submodule() -> list[str]:
    root = Path(invariance.__file__).parent
    return sorted(m.name for m in pkgutil.walk_packages([str(root)], "invariance.") if m.name != "invariance.__main__")


def test_every_submodule_imports_and_check_stays_the_function():
    """Importing every submodule must not rebind a public function (no function shares a submodule's name)."""
    for name in _every_submodule():
        importlib.import_module(name)
    assert callable(invariance.check) and not isinstance(invariance.check, type(invariance))
    assert callable(invariance.learner) and callable(invariance.check_many) and callable(invariance.assert_verdict)
    submodules = {n.rsplit(".", 1)[1] for n in _every_submodule() if n.count(".") == 1}
    assert not submodules & set(invariance.__all__)


def _imports(path: Path, module: str) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("invariance"):
            for alias in node.names:  # "from invariance.x import y" where y is a submodule counts as x.y
                full = f"{node.module}.{alias.name}"
                try:
                    is_module = importlib.util.find_spec(full) is not None
                except ModuleNotFoundError:  # the parent is a module, not a package
                    is_module = False
                out.add(full if is_module else node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("invariance")}
    return out - {module}


def test_no_import_cycles_among_modules():
    """Edges are every import, lazy ones included; a package's __init__ re-exporting its own modules is not a cycle."""
    import importlib.util

    graph = {}
    for name in _every_submodule() + ["invariance"]:
        spec = importlib.util.find_spec(name)
        graph[name] = {m for m in _imports(Path(spec.origin), name) if not name.startswith(m + ".")}
    graph["invariance"] = set()  # the top-level re-export list sits above everything
    for pkg in [n for n in graph if Path(importlib.util.find_spec(n).origin).name == "__init__.py"]:
        graph[pkg] = {m for m in graph[pkg] if not m.startswith(pkg + ".")}
    state: dict[str, int] = {}

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                raise AssertionError(
                    "import cycle: " + " → ".join(path[path.index(nxt):] + [nxt]) if nxt in path else nxt
                )
            if state.get(nxt) is None and nxt in graph:
                visit(nxt, path + [nxt])
        state[node] = 2

    for n in sorted(graph):
        if state.get(n) is None:
            visit(n, [n])


def test_no_mode_flags_and_one_thread_home():
    root = Path(invariance.__file__).parent
    text = {p: p.read_text() for p in root.rglob("*.py")}
    for flag in ("fixed_seed", ".case_seed = ", "meter.precision", ".positive_labels = ", "class Meter"):
        assert not [p.name for p, t in text.items() if flag in t], flag
    assert [p.name for p, t in text.items() if "set_num_threads(" in t] == ["threads.py"]


def ls(X, y, Xt):
    return Xt @ (np.linalg.pinv(X) @ y)


@learner("pm1-invariant", reason="per-coordinate scaling by |x|: squares are all 1 on ±1 data")
def scaled(X, y, Xt):
    s = 1.0 / (1.0 + np.mean(X**2, axis=0))
    return (Xt * s) @ (np.linalg.pinv(X * s) @ y)


def _cli_verdict(target: str, capsys) -> str:
    main([target, "--json", "--max-examples", "20"])
    return json.loads(capsys.readouterr().out)["results"][0]["verdict"]


def test_check_on_every_target_form_matches_the_cli(capsys):
    sklearn = pytest.importorskip("sklearn.linear_model")
    pytest.importorskip("torch")
    cases = [
        (ls, "invariant", None),
        (scaled, "pm1-invariant", None),
        (sklearn.Ridge(), "invariant", "sklearn.linear_model:Ridge"),
        (sklearn.Ridge, "invariant", "sklearn.linear_model:Ridge"),
        (__import__("torch").optim.Adam, "pm1-invariant", "torch.optim:Adam"),
        ("algorithms.egu", "not-invariant", "algorithms.egu"),
    ]
    for target, verdict, cli_target in cases:
        r = invariance.check(target, **BUDGET)
        assert isinstance(r, invariance.Result) and r.verdict.value == verdict, (target, r.message)
        assert invariance.assert_verdict(target, verdict, **BUDGET).verdict is r.verdict
        if cli_target is not None:
            assert _cli_verdict(cli_target, capsys) == verdict
    assert str(invariance.check(ls, **BUDGET)).startswith("invariant:")


def test_result_is_frozen_json_and_replays():
    r = invariance.check("algorithms.egu", **BUDGET)
    with pytest.raises(FrozenInstanceError):
        r.verdict = Verdict.INVARIANT  # type: ignore[misc]
    doc = r.to_json()
    assert doc["verdict"] == "not-invariant" and json.dumps(doc, allow_nan=False)
    cx = r.counterexample
    assert cx.replay() == pytest.approx(cx.deviation, rel=1e-9) and cx.replay() > cx.threshold


def test_assert_verdict_raises_with_the_counterexample():
    with pytest.raises(InvarianceAssertion, match="expected invariant, got pm1-invariant") as info:
        invariance.assert_verdict(scaled, "invariant", **BUDGET)
    assert "property: orthogonal" in str(info.value)


def test_check_many_and_bad_options():
    rs = invariance.check_many(["algorithms.least_squares", ls], **BUDGET)
    assert [r.verdict.value for r in rs] == ["invariant", "invariant"]
    with pytest.raises(UsageError, match="did you mean max_examples"):
        invariance.check(ls, max_exampels=3)
    with pytest.raises(UsageError, match="names 17 learners"):
        invariance.check("algorithms")
    with pytest.raises(UsageError, match="samples must be"):
        invariance.check(ls, samples=1)


def test_torch_options_on_a_numpy_learner_are_a_warning():
    r = invariance.check(ls, lr=0.1, **BUDGET)
    assert r.verdict is Verdict.INVARIANT
    assert any(w.startswith("lr ignored") for w in r.warnings)


def test_the_python_api_leaves_no_hypothesis_directory_in_the_users_directory(tmp_path):
    """Issue 20, item 8: ``invariance.check`` from a script leaves no ``.hypothesis/`` where it runs (the CLI
    moves Hypothesis' home; the API must not write one either, with the learner's own module in that folder)."""
    import os
    import subprocess
    import sys

    (tmp_path / "mine.py").write_text("import numpy as np\n\ndef f(X, y, Xt):\n"
                                      "    return Xt @ (np.linalg.pinv(X) @ y) + 1e-3 * np.abs(Xt).sum(1)\n")
    script = ("import invariance, mine\n"
              "print(invariance.check(mine.f, max_examples=10).verdict.value)\n"
              "print(invariance.check('mine.py:f', max_examples=10).verdict.value)\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HYPOTHESIS_STORAGE_DIRECTORY")}
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["pm1-invariant", "pm1-invariant"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["__pycache__", "mine.py"] or \
        sorted(p.name for p in tmp_path.iterdir()) == ["mine.py"]


def test_result_match_is_the_jsons_match():
    """Issue 20, item 13: ``Result.match`` exists and is what the JSON calls ``match``."""
    declared = invariance.check("algorithms.gd", max_examples=10)
    wrong = invariance.check("algorithms.gd", max_examples=10, expect="not-invariant")
    plain = invariance.check(lambda X, y, Xt: Xt @ (np.linalg.pinv(X) @ y), max_examples=10)
    assert (declared.match, wrong.match, plain.match) == (True, False, None)
    assert [r.to_json()["match"] for r in (declared, wrong, plain)] == [True, False, None]
