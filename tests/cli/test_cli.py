"""Tests of the ``invcheck`` command line (docs/design.md#contracts): exit codes, one-line errors, the JSON contract.

``invariance.cli(argv)`` runs in-process; two subprocess runs check what a user of the console
script sees (no traceback) and that checking a NumPy learner never imports torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LEARNERS, ROOT, TESTS
from helpers import BAD

from invariance.cli import main

VERDICTS = {"invariant", "pm1-invariant", "not-invariant", "invariant-in-distribution"}
DIAGNOSES = {"error", "nondeterministic", "timeout", "non-finite", "bad-shape"}
SYMMETRIES = {"orthogonal", "signed-permutations", "permutations", "none"}
RESULT_KEYS = {
    "target": str,
    "name": str,
    "verdict": (str, type(None)),
    "diagnosis": (str, type(None)),
    "expected": (str, type(None)),
    "deviation": dict,
    "symmetry": (str, type(None)),
    "counterexample": (dict, type(None)),
    "evaluations": int,
    "seconds": float,
}
COUNTEREXAMPLE_KEYS = ("property", "d", "n", "m", "U", "X_train", "y_train", "X_test", "y_hat", "y_hat_transformed")


pytestmark = pytest.mark.usefixtures("in_repo_root")


def run_json(capsys, *argv) -> tuple[int, dict]:
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out)


def _is_matrix(a, rows, cols) -> bool:
    return (
        isinstance(a, list)
        and len(a) == rows
        and all(isinstance(r, list) and len(r) == cols and all(isinstance(v, (int, float)) for v in r) for r in a)
    )


def _is_vector(a, size) -> bool:
    return isinstance(a, list) and len(a) == size and all(isinstance(v, (int, float)) for v in a)


def assert_contract(doc: dict) -> None:
    assert set(doc) == {"schema_version", "settings", "results"} and isinstance(doc["results"], list) and doc["results"]
    assert doc["schema_version"] == 2
    settings = doc["settings"]
    assert {"seed", "max_examples", "budget", "timeout", "samples", "alpha", "options", "versions"} <= set(settings)
    assert set(settings["budget"]) == {"orthogonal", "pm1", "symmetry", "sweep"}
    assert {"invcheck", "python", "numpy", "scipy", "hypothesis"} <= set(settings["versions"])
    for r in doc["results"]:
        for key, types in RESULT_KEYS.items():
            assert key in r, key
            assert isinstance(r[key], types), (key, r[key])
        assert not isinstance(r["evaluations"], bool) and r["evaluations"] >= 0 and r["seconds"] >= 0
        assert (r["verdict"] is None) != (r["diagnosis"] is None)
        assert r["verdict"] in VERDICTS | {None} and r["expected"] in VERDICTS | {None}
        assert r["diagnosis"] in DIAGNOSES | {None} and r["symmetry"] in SYMMETRIES | {None}
        assert set(r["deviation"]) == {"orthogonal", "pm1"}
        for v in r["deviation"].values():
            assert v is None or isinstance(v, float)
        cx = r["counterexample"]
        if cx is None:
            continue
        for key in COUNTEREXAMPLE_KEYS:
            assert key in cx, key
        assert isinstance(cx["property"], str)
        d, n, m = cx["d"], cx["n"], cx["m"]
        assert all(isinstance(v, int) and v >= 1 for v in (d, n, m))
        assert _is_matrix(cx["U"], d, d)
        assert _is_matrix(cx["X_train"], n, d) and _is_matrix(cx["X_test"], m, d)
        assert _is_vector(cx["y_train"], n)
        for key in ("y_hat", "y_hat_transformed"):
            assert cx[key] is None or _is_vector(cx[key], m)
        assert "seed" in cx["replay"] and "command" in cx["replay"]


# ---------------------------------------------------------------------------------------- exit codes


def test_exit_0_when_the_verdict_matches_the_declaration(capsys):
    assert main(["algorithms.least_squares", "--max-examples", "10"]) == 0
    out, err = capsys.readouterr()
    assert "invariant" in out and err == ""


def test_exit_1_on_a_mismatch(capsys):
    code, doc = run_json(capsys, "algorithms.egu", "--expect", "invariant", "--max-examples", "10")
    assert code == 1
    (r,) = doc["results"]
    assert r["expected"] == "invariant" and r["verdict"] == "not-invariant" and r["match"] is False


def test_exit_3_when_a_learner_fails(capsys):
    code, doc = run_json(capsys, f"{LEARNERS / 'misbehaving.py'}:returns_nan")
    assert code == 3
    assert_contract(doc)
    (r,) = doc["results"]
    assert r["verdict"] is None and r["diagnosis"] == "non-finite"


@pytest.mark.parametrize("target, words", BAD)
def test_exit_2_with_one_line_on_a_bad_target(capsys, target, words):
    assert main([target]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    assert err.startswith("invcheck: error:")
    assert words[0] in err


@pytest.mark.parametrize(
    "argv, words",
    [
        pytest.param(["algorithms.egu", "--expect", "rotation-invariant"], "invalid choice", id="bad-expect"),
        pytest.param(["algorithms.egu", "--max-examples", "0"], "--max-examples", id="zero-examples"),
        pytest.param(["algorithms.egu", "--timeout", "-1"], "--timeout", id="negative-timeout"),
        pytest.param(["algorithms.egu", "-j", "0"], "-j", id="zero-jobs"),
        pytest.param(["algorithms.egu", "--no-such-option"], "unrecognized arguments", id="unknown-option"),
        pytest.param([], "TARGET", id="no-target"),
    ],
)
def test_exit_2_with_one_line_on_bad_options(capsys, argv, words):
    with pytest.raises(SystemExit) as info:
        code = main(argv)
        raise SystemExit(code)
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "Traceback" not in err and words in err


@pytest.mark.parametrize(
    "argv, meant",
    [
        pytest.param(["algorithms.egu", "--max-exampels", "5"], "--max-examples", id="check"),
        pytest.param(["report", "--outt", "x"], "--out", id="report"),
        pytest.param(["curves", "algorithms.gd", "--tirals", "3"], "--trials", id="curves"),
        pytest.param(["list", "--jsn"], "--json", id="list"),
        pytest.param(["replay", "x.json", "--jsonn"], "--json", id="replay"),
    ],
)
def test_a_misspelt_option_names_the_one_meant(capsys, argv, meant):
    """Issue 20, item 10: every subcommand suggests the option a misspelling was close to, on one line; an
    option close to none gets no guess."""
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    sub = argv[0] + " " if argv[0] in ("report", "curves", "list", "replay") else ""
    assert f"did you mean {meant}?" in err and f"(see invcheck {sub}--help)" in err
    assert main(["algorithms.egu", "--zzzzzz"]) == 2
    assert "did you mean" not in capsys.readouterr().err


# -------------------------------------------------------------------------------------------- JSON


def test_json_matches_the_contract(capsys):
    code, doc = run_json(capsys, "learners.registered", "--max-examples", "20")
    assert code == 0
    assert_contract(doc)
    by_name = {r["name"]: r for r in doc["results"]}
    assert by_name["min_norm"]["verdict"] == "invariant" and by_name["min_norm"]["counterexample"] is None
    assert by_name["min_norm"]["symmetry"] == "orthogonal"
    first = by_name["first-coordinate"]
    assert first["verdict"] == first["expected"] == "not-invariant"
    assert first["counterexample"]["property"] in ("orthogonal", "pm1")


def test_json_for_diagonal_adagrad(capsys):
    code, doc = run_json(capsys, "algorithms.adagrad_diag")
    assert code == 0
    assert_contract(doc)
    (r,) = doc["results"]
    assert r["target"] == "algorithms.adagrad_diag:adagrad_diag"
    assert r["verdict"] == "pm1-invariant" and r["expected"] == "pm1-invariant"
    assert r["symmetry"] == "signed-permutations"
    cx = r["counterexample"]
    assert cx["property"] == "orthogonal" and cx["d"] == 2
    assert r["deviation"]["orthogonal"] > 1e-3 and r["deviation"]["pm1"] < 1e-10


def test_json_counterexample_of_a_twin_relates_the_two_data_sets(capsys):
    import numpy as np

    code, doc = run_json(capsys, "algorithms.adagrad_diag_batch", "--max-examples", "30", "--verbose")
    (r,) = doc["results"]
    assert r["verdict"] == "not-invariant"
    twin = r["counterexamples"]["pm1"]
    U = np.array(twin["U"])
    Z = np.vstack([twin["X_train"], twin["X_test"]])
    Z2 = np.vstack([twin["X_train_transformed"], twin["X_test_transformed"]])
    assert np.allclose(Z @ U.T, Z2, atol=1e-10)


def test_list(capsys):
    assert main(["list"]) == 0
    out, _ = capsys.readouterr()
    assert "registered learners" in out and "pm1-invariant" in out
    assert main(["list", "learners.registered", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["learners"]
    assert [(r["target"], r["expected"]) for r in rows] == [
        ("learners.registered:min_norm", "invariant"),
        ("learners.registered:first_coordinate", "not-invariant"),
    ]


def test_list_of_a_bad_target_is_a_usage_error(capsys):
    assert main(["list", "no_such_module_xyz"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


# ---------------------------------------------------------------------------------- subprocesses


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _invcheck() -> str:
    exe = Path(sys.executable).with_name("invcheck")
    if not exe.exists():
        pytest.skip("the invcheck console script is not installed next to this Python")
    return str(exe)


def test_console_script_exit_codes_and_no_traceback():
    bad = subprocess.run(
        [_invcheck(), "algorithms.adagrad_dag"], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    assert "did you mean algorithms.adagrad_diag" in bad.stderr
    failing = subprocess.run(
        [_invcheck(), "tests/learners/misbehaving.py:raises_always", "tests/learners/broken.py:f"],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120,
    )
    assert failing.returncode == 2 and "Traceback" not in failing.stderr  # import errors stop before checking
    failing = subprocess.run(
        [_invcheck(), "tests/learners/misbehaving.py:raises_always", "--json"],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120,
    )
    assert failing.returncode == 3 and "Traceback" not in failing.stderr
    (r,) = json.loads(failing.stdout)["results"]
    assert r["diagnosis"] == "error" and "ValueError" in r["message"]


def test_checking_a_numpy_learner_does_not_import_torch():
    code = (
        "import sys; from invariance.cli import main; "
        "main(['algorithms.least_squares','--json','--max-examples','20']); "
        "assert 'torch' not in sys.modules, 'torch was imported'; "
        "assert 'sklearn' not in sys.modules, 'sklearn was imported'"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    (r,) = json.loads(proc.stdout)["results"]
    assert r["verdict"] == "invariant"


def test_a_file_with_registered_learners_names_the_plain_ones_it_leaves_out(tmp_path):
    """Issue 20, item 7: ``invcheck mine.py`` checks the @learner functions and says, in one line, which
    plain learner-shaped functions it left out and how to check one."""
    from invariance.errors import SkippedWarning
    from invariance.targets import load

    (tmp_path / "two.py").write_text(
        "import numpy as np\nimport invariance\n\n"
        "@invariance.learner('invariant', reason='least squares')\n"
        "def ls(X, y, Xt):\n    return Xt @ (np.linalg.pinv(X) @ y)\n\n"
        "def f(X, y, Xt):\n    return Xt[:, 0]\n\n"
        "def g(X_train, y_train, X_test):\n    return X_test[:, 0]\n\n"
        "def helper(x):\n    return x\n"
    )
    out = subprocess.run([sys.executable, "-m", "invariance", "two.py", "--max-examples", "5"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    notes = [line for line in out.stderr.splitlines() if line.startswith("invcheck: note:")]
    assert notes == ["invcheck: note: two.py: checking its @invariance.learner functions only; f, g "
                     "(f(X_train, y_train, X_test), not decorated) left out: name one as two.py:f to check it"]
    assert "Warning" not in out.stderr
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        with pytest.warns(SkippedWarning, match="f, g"):
            assert [lrn.name for lrn in load("two.py")] == ["ls"]
    finally:
        os.chdir(here)
