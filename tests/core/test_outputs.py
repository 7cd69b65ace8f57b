"""The output side: learners with H outputs, Y ↦ YVᵀ must give Ŷ ↦ ŶVᵀ, and ``output_symmetry``.

Negative controls for each group: a 1e-4 odd term per entry (commutes with signed permutations, not
with rotations), a 1e-4 even term (permutations only), a 1e-4 coupling to the first output (none), and
least squares computed through a random rotation (rounding noise on both sides) that must stay
``orthogonal``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import invariance
from invariance import learner
from invariance.errors import UsageError
from invariance.verdict import Symmetry

FAST = {"max_examples": 60}


def _ls(X, Y, Xt):
    W, *_ = np.linalg.lstsq(X, Y, rcond=None)
    return Xt @ W


@learner("invariant", reason="least squares, one column per output", outputs=True)
def ls_outputs(X, Y, Xt):
    return _ls(X, Y, Xt)


@learner("invariant", reason="least squares through a seeded Haar rotation of the outputs", outputs=True)
def ls_rotated(X, Y, Xt):
    Q = np.linalg.qr(np.random.default_rng(7).standard_normal((Y.shape[1], Y.shape[1])))[0]
    return _ls(X, Y @ Q, Xt) @ Q.T  # rounding-level differences between the two sides


@learner("invariant", reason="odd term per entry", outputs=True)
def ls_odd(X, Y, Xt):
    P = _ls(X, Y, Xt)
    return P + 1e-4 * P**3


@learner("invariant", reason="even term per entry", outputs=True)
def ls_even(X, Y, Xt):
    P = _ls(X, Y, Xt)
    return P + 1e-4 * P**2


@learner("invariant", reason="coupled to the first output", outputs=True)
def ls_first(X, Y, Xt):
    P = _ls(X, Y, Xt)
    return P + 1e-4 * P[:, :1]


@pytest.mark.parametrize("fn, group", [
    (ls_outputs, Symmetry.ORTHOGONAL),
    (ls_rotated, Symmetry.ORTHOGONAL),
    (ls_odd, Symmetry.SIGNED_PERMUTATIONS),
    (ls_even, Symmetry.PERMUTATIONS),
    (ls_first, Symmetry.NONE),
])
def test_output_symmetry_of_controls(fn, group):
    r = invariance.check(fn, **FAST)
    assert r.verdict is invariance.Verdict.INVARIANT  # the input side is untouched by any of them
    assert r.output_symmetry is group, r.message
    doc = r.to_json()
    assert doc["output_symmetry"] == group.value
    assert f"output symmetry {group.value}" in r.message


def test_output_counterexample_is_shrunk_and_replays():
    r = invariance.check(ls_odd, **FAST)
    cx = r.counterexamples["output-orthogonal"]
    assert cx.shrunk and (cx.d, cx.n, cx.m) == (1, 1, 1)
    assert cx.V.shape == (3, 3) and np.allclose(cx.V @ cx.V.T, np.eye(3))
    assert np.allclose(cx.y_train_transformed, cx.y_train @ cx.V.T)
    assert np.array_equal(cx.X_train, cx.X_train_transformed)  # the inputs are left alone
    assert cx.replay() > cx.threshold
    doc = cx.to_json()
    assert doc["V_description"].startswith("V = ") and doc["y_train_transformed"] is not None
    # the odd term is exactly equivariant under sign flips and permutations: no such counterexample
    assert "output-signed-permutation" not in r.counterexamples


def test_scalar_learners_have_no_output_symmetry():
    r = invariance.check("algorithms.least_squares", **FAST)
    assert r.output_symmetry is None and r.to_json()["output_symmetry"] is None
    assert not any(k.startswith("output") for k in r.properties)


def test_outputs_declaration_is_validated():
    with pytest.raises(UsageError, match="outputs"):
        learner("invariant", reason="x", outputs=1)
    with pytest.raises(UsageError, match="outputs"):
        learner("invariant", reason="x", outputs="3")


def test_wrong_output_shape_is_a_diagnosis():
    @learner("invariant", reason="forgets the outputs", outputs=True)
    def flat(X, Y, Xt):
        return _ls(X, Y, Xt)[:, 0]

    r = invariance.check(flat, **FAST)
    assert r.diagnosis is invariance.Diagnosis.BAD_SHAPE
    assert "shape (2, 3)" in r.message


def test_outputs_option_opts_a_plain_learner_in():
    def plain(X, Y, Xt):
        return _ls(X, Y, Xt)

    r = invariance.check(plain, outputs=2, **FAST)
    assert r.output_symmetry is Symmetry.ORTHOGONAL
    assert np.asarray(r.properties["output-orthogonal"].examples) > 0


# ------------------------------------------------------------------------------------------ torch

def test_torch_layer_sgd_orthogonal_adam_signed_permutations():
    pytest.importorskip("torch")
    sgd = invariance.check("torch.optim:SGD", model="layer", outputs=3, **FAST)
    assert sgd.verdict is invariance.Verdict.INVARIANT and sgd.output_symmetry is Symmetry.ORTHOGONAL
    adam = invariance.check("torch.optim:Adam", model="layer", outputs=3, **FAST)
    assert adam.verdict is invariance.Verdict.PM1_INVARIANT
    assert adam.output_symmetry is Symmetry.SIGNED_PERMUTATIONS, adam.message
    cx = adam.counterexamples["output-orthogonal"]
    assert cx.shrunk and (cx.d, cx.n, cx.m) == (1, 1, 1) and cx.family in ("reflection", "givens")
    assert cx.replay() > cx.threshold
    # replayed state by state, the output side breaks at the per-entry second moment too
    out = adam.breaks_at["by_property"]["output-orthogonal"]
    assert out["key"] == "exp_avg_sq" and out["step"] == 1


def test_torch_layer_options_are_checked(capsys):
    pytest.importorskip("torch")
    from invariance.cli import main

    assert main(["torch.optim:SGD", "--outputs", "3"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--model layer" in err
    assert main(["torch.optim:SGD", "--model", "layer", "--outputs", "1"]) == 2
    assert "2–16" in capsys.readouterr().err


def test_torch_layer_json_and_replay(tmp_path, capsys):
    pytest.importorskip("torch")
    from invariance.cli import main

    code = main(["torch.optim:Adagrad", "--model", "layer", "--outputs", "2", "--max-examples", "40", "--json",
                 "--save", str(tmp_path)])
    doc = json.loads(capsys.readouterr().out)["results"][0]
    assert code == 0 and doc["output_symmetry"] == "signed-permutations"
    assert doc["counterexamples"]["output-orthogonal"]["V"] is not None
    saved = tmp_path / "Adagrad-output-orthogonal.json"
    assert saved.exists()
    assert main(["replay", str(saved)]) == 1  # the violation still holds
    assert "--model layer" in json.loads(saved.read_text())["command"]


# ------------------------------------------------------------------------------------------ optax

def test_optax_layer_output_symmetry():
    pytest.importorskip("optax")
    sgd = invariance.check("optax:sgd", model="layer", outputs=2, max_examples=25)
    assert sgd.verdict is invariance.Verdict.INVARIANT and sgd.output_symmetry is Symmetry.ORTHOGONAL
    adam = invariance.check("optax:adam", model="layer", outputs=2, max_examples=25)
    assert adam.output_symmetry is Symmetry.SIGNED_PERMUTATIONS


@learner("invariant", reason="refuses y ≤ 0 (a Poisson-style model)", outputs=True)
def ls_positive(X, Y, Xt):
    if np.any(Y <= 0):
        raise ValueError("labels must be positive")
    return _ls(X, Y, Xt)


def test_positive_labels_leave_the_output_side_unsearched():
    """1 + |YVᵀ| is not (1 + |Y|)Vᵀ: comparing them would invent output violations."""
    r = invariance.check(ls_positive, **FAST)
    assert r.verdict is invariance.Verdict.INVARIANT
    assert r.output_symmetry is None and "output side not searched" in r.message
    assert not any(k.startswith("output") for k in r.properties)


def test_an_output_only_violation_is_explained():
    """Input-invariant, output-equivariant only under signed permutations: each output row of the
    gradient divided by 1 + its own L2 norm. breaks_at replays the output counterexample."""
    torch = pytest.importorskip("torch")

    class RowNormSGD(torch.optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr})

        @torch.no_grad()
        def step(self, closure=None):
            if closure is not None:
                with torch.enable_grad():
                    closure()
            for g in self.param_groups:
                for p in g["params"]:
                    # continuous at 0 (a bare g/‖g‖ jumps where a residual is 0 on one side, 1e-17 on the other)
                    p.add_(p.grad / (1.0 + p.grad.norm(dim=1, keepdim=True)), alpha=-g["lr"])

    from invariance.targets import learners_of

    (opt,) = learners_of(RowNormSGD, options={"model": "layer", "outputs": 2})
    r = invariance.check(opt, **FAST)
    assert r.verdict is invariance.Verdict.INVARIANT
    assert r.output_symmetry is Symmetry.SIGNED_PERMUTATIONS, r.message
    assert r.breaks_at["property"] == "output-orthogonal" and r.breaks_at["key"] == "weight"


def test_lr_for_a_factory_without_one_is_a_usage_error():
    torch = pytest.importorskip("torch")
    from invariance.targets import learners_of

    def fixed(params):
        return torch.optim.SGD(params, lr=0.1)

    with pytest.raises(UsageError, match="takes no lr"):
        learners_of(fixed, options={"lr": 0.5})
