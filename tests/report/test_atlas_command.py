"""``invcheck atlas PACKAGE``: the atlas of a package nobody on the team wrote.

The package is written here, each optimizer labelled from its update before the checker runs:

* ``PlainSGD``: ``W ← W − η G`` with ``G = (Wx − y) xᵀ``: invariant on both sides (input orthogonal,
  output orthogonal);
* ``DiagAdaGrad``: ``W ← W − η G / sqrt(Σ G⊙G)`` entry by entry: pm1-invariant, output signed
  permutations;
* ``NeedsData(params, num_data)``: cannot run — a required argument;
* ``ByModel(model)``: cannot run — a model-level optimizer;
* ``Averaged(optimizer)``: a wrapper (it hands every step to its base): cannot run alone, and as
  the row ``Averaged_around_SGD__fakeopt`` it is SGD: invariant.

Negative controls: a package that is not installed and one that exports no optimizer are usage errors
(exit 2, one line).
"""

from __future__ import annotations

import json
import textwrap

import pytest

pytest.importorskip("torch")

from invariance.cli import main  # noqa: E402

PACKAGE = '''
import torch


class PlainSGD(torch.optim.Optimizer):
    def __init__(self, params, lr=0.05):
        super().__init__(params, dict(lr=lr))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group["lr"])


class DiagAdaGrad(torch.optim.Optimizer):
    def __init__(self, params, lr=0.1, eps=1e-10):
        super().__init__(params, dict(lr=lr, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                s = self.state[p].setdefault("sum", torch.zeros_like(p))
                s.addcmul_(p.grad, p.grad)
                p.addcdiv_(p.grad, s.sqrt().add_(group["eps"]), value=-group["lr"])


class NeedsData(PlainSGD):
    def __init__(self, params, num_data, lr=0.05):
        super().__init__(params, lr=lr)
        self.num_data = num_data


class ByModel(torch.optim.Optimizer):
    def __init__(self, model, lr=0.05):
        super().__init__(model.parameters(), dict(lr=lr))

    def step(self, closure=None):
        pass


class Averaged(torch.optim.Optimizer):
    def __init__(self, optimizer, decay=0.5):
        self.optimizer = optimizer
        self.param_groups = optimizer.param_groups
        self.defaults = optimizer.defaults
        self.state = optimizer.state

    def zero_grad(self, set_to_none=True):
        self.optimizer.zero_grad(set_to_none=set_to_none)

    def step(self, closure=None):
        return self.optimizer.step(closure)
'''


@pytest.fixture
def fakeopt(tmp_path, monkeypatch):
    (tmp_path / "fakeopt.py").write_text(textwrap.dedent(PACKAGE))
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_atlas_of_an_unseen_package(fakeopt, tmp_path):
    out = tmp_path / "atlas"
    code = main(["atlas", "fakeopt", "--no-curves", "--max-examples", "12", "--samples", "20", "--out", str(out),
                 "--quiet"])
    assert code == 0
    doc = json.loads((out / "invariance.json").read_text())
    (section,) = doc["sections"]
    rows = {r["target"]: r for r in section["rows"]}
    assert set(rows) == {"fakeopt:PlainSGD", "fakeopt:DiagAdaGrad", "fakeopt:NeedsData", "fakeopt:ByModel",
                         "fakeopt:Averaged", "invariance.report.wrapped:Averaged_around_SGD__fakeopt"}
    assert (rows["fakeopt:PlainSGD"]["verdict"], rows["fakeopt:PlainSGD"]["output_symmetry"]) == (
        "invariant", "orthogonal")
    assert (rows["fakeopt:DiagAdaGrad"]["verdict"], rows["fakeopt:DiagAdaGrad"]["output_symmetry"]) == (
        "pm1-invariant", "signed-permutations")
    wrapped = rows["invariance.report.wrapped:Averaged_around_SGD__fakeopt"]
    assert (wrapped["verdict"], wrapped["output_symmetry"]) == ("invariant", "orthogonal")
    for target, words in (("fakeopt:NeedsData", "needs a required argument 'num_data'"),
                          ("fakeopt:ByModel", "a model-level optimizer"),
                          ("fakeopt:Averaged", "a wrapper, needs a base optimizer; checked around torch.optim.SGD")):
        row = rows[target]
        assert row["verdict"] is None and row["diagnosis"] == "error", target
        assert words in row["reason"], (target, row["reason"])
        assert row["source"].startswith("fakeopt.py:"), row["source"]
    md = (out / "invariance.md").read_text()
    assert "needs a required argument 'num_data'" in md and (out / "invariance.html").exists()


@pytest.mark.parametrize(("package", "words"), [
    ("no_such_package_xyz", "no module named 'no_such_package_xyz'; install it first"),
    ("json", "json exports no torch.optim.Optimizer subclass and no optax-style factory"),
])
def test_atlas_usage_errors(package, words, tmp_path, capsys):
    assert main(["atlas", package, "--no-curves", "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0], err


def test_a_package_in_the_folder_and_one_missing_a_dependency(tmp_path, monkeypatch, capsys):
    """A package in the folder invcheck runs in is found, as a TARGET's module is; one whose own import
    fails for a missing dependency says so instead of 'install it first'."""
    (tmp_path / "herepkg.py").write_text(textwrap.dedent(PACKAGE))
    (tmp_path / "needsdep.py").write_text("import no_such_dependency_xyz\n")
    monkeypatch.chdir(tmp_path)
    assert main(["atlas", "needsdep", "--no-curves", "--out", "a"]) == 2
    err = capsys.readouterr().err
    assert "importing needsdep failed" in err and "a dependency it needs is missing" in err
    from invariance.report.atlas import library_for

    assert library_for("herepkg").kind == "torch"


def test_a_wrapper_row_of_a_package_not_installed_is_one_usage_line(capsys):
    assert main(["invariance.report.wrapped:Foo_around_SGD__no_such_module_xyz"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no_such_module_xyz" in err[0], err
