"""Writes and executes docs/notebook.ipynb (``python docs/make_notebook.py``, from the repository root, with
the test extra installed). The suite runs the notebook under nbval: every cell must run, and the cells not
marked ``NBVAL_IGNORE_OUTPUT`` must print what they printed here."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent

CELLS = [
    ("markdown", """# invcheck in a notebook

Two learners, labelled from their mathematics before the checker runs:

- **least squares** (minimum norm): `(X Uᵀ)⁺ = U X⁺`, so predictions depend on the data only through inner
  products: *invariant*.
- **ridge on max-abs-scaled columns**: dividing column *i* by `max|X[:, i]|` is a per-coordinate statistic,
  so a rotation changes it: not invariant on generic data. On ±1 data every column's maximum is 1, the
  scaling is the identity and the learner is plain ridge, invariant again: *pm1-invariant*, and invariant
  under signed permutations, which leave every column's max-abs unchanged."""),
    ("code", """import numpy as np

import invariance
from invariance import learner


@learner("invariant", reason="(X Uᵀ)⁺ = U X⁺: the predictions depend on inner products only")
def least_squares(X_train, y_train, X_test):
    return X_test @ (np.linalg.pinv(X_train) @ y_train)


@learner("pm1-invariant", reason="each column divided by its max-abs, which is 1 for every ±1 column")
def maxabs_ridge(X_train, y_train, X_test):
    scale = np.abs(X_train).max(axis=0) + 1e-12
    A = X_train / scale
    w = np.linalg.solve(A.T @ A + 0.1 * np.eye(A.shape[1]), A.T @ y_train)
    return (X_test / scale) @ w"""),
    ("markdown", "A `Result` shows as HTML: the verdict badge, the deviations, and each counterexample folded."),
    ("code", """# NBVAL_IGNORE_OUTPUT
# (the timings and rounding-level digits shown differ from machine to machine)
exact = invariance.check(least_squares, max_examples=50)
exact"""),
    ("code", """# NBVAL_IGNORE_OUTPUT
scaled = invariance.check(maxabs_ridge, max_examples=50)
scaled"""),
    ("markdown", "The same facts as attributes (checked when the suite runs this notebook):"),
    ("code", """for r in (exact, scaled):
    print(r.name, r.verdict, r.symmetry, "matches its declaration" if r.match else "MISMATCH")"""),
    ("code", """cx = scaled.counterexample
print("counterexample on", cx.property, "data")
print("replayed deviation above its threshold:", cx.replay() > cx.threshold)
print("the HTML names the verdict and the counterexample:",
      "pm1-invariant" in scaled._repr_html_() and "counterexample" in scaled._repr_html_())"""),
    ("markdown", """A report written by `invcheck report` (or `invcheck atlas`) shows inline too. Here, two built-in
learners without their learning curves, into a temporary folder:"""),
    ("code", """# NBVAL_IGNORE_OUTPUT
import subprocess
import sys
import tempfile

out = tempfile.mkdtemp()
subprocess.run([sys.executable, "-m", "invariance", "report", "algorithms.gd", "algorithms.egu", "--no-curves",
                "--out", out, "--quiet"], check=True)
invariance.view_report(out)"""),
]


def main() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(src) if kind == "markdown" else nbformat.v4.new_code_cell(src)
                for kind, src in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
    nbformat.write(nb, HERE / "notebook.ipynb")


if __name__ == "__main__":
    main()
