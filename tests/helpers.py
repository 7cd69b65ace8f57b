"""Helpers shared by more than one test file (imported as ``helpers``: tests/ is on sys.path, see
conftest.py). Fixtures shared the same way live in conftest.py."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from conftest import ROOT

from invariance.cli import main
from invariance.contract import Learner, as_learner
from invariance.probe.call import Caller

#: TARGETs that must fail to load, each with the words its one-line error must contain
#: (core/test_targets.py loads them; cli/test_cli.py runs them through the command line)
BAD = [
    pytest.param("no_such_module_xyz", ["no module named 'no_such_module_xyz'"], id="missing-module"),
    pytest.param("algorithms.adagrad_dag",
                 ["no module named 'algorithms.adagrad_dag'", "did you mean algorithms.adagrad_diag"],
                 id="typo-in-submodule"),
    pytest.param("algorithms.least_squares:least_square",
                 ["has no attribute 'least_square'", "did you mean least_squares"], id="missing-attribute"),
    pytest.param("learners.registered:Estimator", ["not a learner"], id="a-class"),
    pytest.param("learners.registered:NOT_A_LEARNER", ["is a int, not a learner"], id="an-int"),
    pytest.param("learners.empty", ["registers no learner", "defines no function"], id="module-without-learners"),
    pytest.param("tests/learners/no_such_file.py:f", ["no such file", "no_such_file.py"], id="missing-file"),
    pytest.param("tests/learners/no_such_file.py", ["no such file"], id="missing-file-no-name"),
    pytest.param("learners.broken", ["importing learners.broken failed", "RuntimeError: broken at import time"],
                 id="raises-at-import"),
    pytest.param("tests/learners/broken.py:f", ["importing tests/learners/broken.py failed", "RuntimeError"],
                 id="file-raises-at-import"),
    pytest.param("tests/learners", ["is a directory"], id="a-directory"),
    pytest.param("", ["empty TARGET"], id="empty"),
    pytest.param("3d.learner", ["neither a module name"], id="not-an-identifier"),
    pytest.param("algorithms:adagrad_dig", ["has no attribute 'adagrad_dig'", "did you mean adagrad_diag"],
                 id="typo-in-unimported-submodule"),
    pytest.param("learners.registered:np", ["is the module 'numpy', not a learner"], id="an-imported-module"),
    pytest.param("tests/learners/plain.py:nosuch",
                 ["tests/learners/plain.py has no attribute 'nosuch'", "it defines helper, mean_predictor, ridge"],
                 id="file-missing-attribute-lists-its-names"),
    pytest.param("learners.plain:zzz",
                 ["learners.plain has no attribute 'zzz'", "it defines helper, mean_predictor, ridge"],
                 id="module-missing-attribute-lists-its-names"),
    pytest.param("algorithms:qqqqq", ["algorithms has no attribute 'qqqqq'",
                                      "it defines adagrad_diag, adagrad_diag_batch, adagrad_full"],
                 id="package-missing-attribute-lists-its-modules"),
]

def without_seconds(doc):
    """A JSON document with every ``seconds`` field removed, at any depth: what must not differ between runs."""
    if isinstance(doc, dict):
        return {k: without_seconds(v) for k, v in doc.items() if k != "seconds"}
    if isinstance(doc, list):
        return [without_seconds(v) for v in doc]
    return doc


def run_json(argv: list[str], capsys) -> tuple[int, dict, str]:
    """``invcheck ARGV`` in-process: the exit code, the JSON it printed, and its stderr (with no traceback)."""
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out), err


def learner_in_file(fn) -> Learner:
    """A learner for a function defined in a test file, its target the file's path from the repository root."""
    path = Path(inspect.getsourcefile(fn)).resolve().relative_to(ROOT).as_posix()
    return as_learner(fn, name=fn.__name__, target=f"{path}:{fn.__name__}")


def caller(fn, **kw) -> Caller:
    """The safe call (probe.call.Caller) around a bare function, keyword arguments passed to Caller."""
    return Caller(as_learner(fn, name=fn.__name__, target=f"t:{fn.__name__}"), **kw)


def optimizer_learner(cls, **options) -> Learner:
    """A learner for a torch optimizer class (or factory) through the torch adapter; torch is imported here,
    so call it only from test files that have skipped without torch."""
    from invariance.adapters.torch import learner_from_optimizer

    name = getattr(cls, "__name__", "make")
    return learner_from_optimizer(cls, name=name, target=f"<test>:{name}", options=options)


#: a module of two learners that fail with the surface they run under (errors.SURFACE) in their message:
#: written to a folder and checked with -j 2 or --dask, it shows what a worker process was told
SURFACE_LEARNERS = (
    "from invariance.errors import SURFACE\n\n"
    "def one(X_train, y_train, X_test):\n    raise ValueError('surface=' + SURFACE.get())\n\n"
    "def two(X_train, y_train, X_test):\n    raise ValueError('surface=' + SURFACE.get())\n"
)
