"""Helpers shared by test files in more than one folder of tests/ (imported as ``helpers``: tests/ is on
sys.path, see conftest.py)."""

from __future__ import annotations

import pytest

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
]
