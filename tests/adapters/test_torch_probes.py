"""The torch adapter's optimizer protocol: train()/eval() modes, steps without a closure, gradients
with a graph (Hessian-vector optimizers), and optimizers drawing from the global generators."""

from __future__ import annotations

import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from helpers import optimizer_learner  # noqa: E402

from invariance.adapters.torch import needs_create_graph, uses_global_rng  # noqa: E402

X = np.random.default_rng(0).standard_normal((6, 3))
Y = X @ np.array([1.0, -0.5, 0.25])


class PlainSGD(torch.optim.Optimizer):
    """SGD written from scratch: deterministic, no modes (control)."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self, closure=None):
        if closure is not None:
            with torch.enable_grad():
                closure()
        for g in self.param_groups:
            for p in g["params"]:
                p.add_(p.grad, alpha=-g["lr"])


class NoisySGD(PlainSGD):
    """SGD plus N(0, 1e-3) from torch's global generator: randomised, and silent about it."""

    @torch.no_grad()
    def step(self, closure=None):
        super().step(closure)
        for g in self.param_groups:
            for p in g["params"]:
                p.add_(1e-3 * torch.randn_like(p))


class NumpyNoiseSGD(PlainSGD):
    """Draws a coin from NumPy's legacy global generator, as pytorch_optimizer's Kron does."""

    @torch.no_grad()
    def step(self, closure=None):
        super().step(closure)
        if np.random.random() < 0.5:
            for g in self.param_groups:
                for p in g["params"]:
                    p.mul_(0.999)


class ClosurelessSGD(torch.optim.Optimizer):
    """step() takes no closure: the adapter computes the gradient first."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self):
        for g in self.param_groups:
            for p in g["params"]:
                p.add_(p.grad, alpha=-g["lr"])


class ModalSGD(PlainSGD):
    """Records its mode switches; predicts from a point that only eval() installs (schedule-free style)."""

    calls: list[str] = []

    def train(self):
        ModalSGD.calls.append("train")

    @torch.no_grad()
    def eval(self):
        ModalSGD.calls.append("eval")
        for g in self.param_groups:
            for p in g["params"]:
                p.mul_(0.0)


class GraphSGD(PlainSGD):
    """Needs a gradient that carries a graph (like AdaHessian's Hessian-vector products)."""

    @torch.no_grad()
    def step(self, closure=None):
        if closure is not None:
            with torch.enable_grad():
                closure()
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad.grad_fn is None:
                    raise RuntimeError("gradient tensors must be created with create_graph=True")
                p.add_(p.grad.detach(), alpha=-g["lr"])


def test_a_deterministic_optimizer_is_not_randomised():
    assert not uses_global_rng(PlainSGD, optimizer_learner(PlainSGD).options)
    assert not optimizer_learner(PlainSGD).randomized


@pytest.mark.parametrize("cls", [NoisySGD, NumpyNoiseSGD])
def test_global_rng_optimizers_become_randomised_learners(cls):
    learner = optimizer_learner(cls)
    assert learner.randomized and learner.options["global_rng"]
    a = learner(X, Y, X, rng=np.random.default_rng(1))
    b = learner(X, Y, X, rng=np.random.default_rng(1))
    c = learner(X, Y, X, rng=np.random.default_rng(2))
    np.testing.assert_array_equal(a, b)  # same seed, same predictions
    assert not np.array_equal(a, c)


def test_global_generators_of_the_caller_are_left_alone():
    learner = optimizer_learner(NumpyNoiseSGD)
    np.random.seed(7), random.seed(7), torch.manual_seed(7)
    learner(X, Y, X, rng=np.random.default_rng(1))
    after = (np.random.random(), random.random(), float(torch.rand(1)))
    np.random.seed(7), random.seed(7), torch.manual_seed(7)
    assert after == (np.random.random(), random.random(), float(torch.rand(1)))


def test_a_step_without_closure_is_fed_the_gradient_first():
    ours = optimizer_learner(ClosurelessSGD)(X, Y, X)
    reference = optimizer_learner(PlainSGD)(X, Y, X)
    np.testing.assert_allclose(ours, reference, rtol=1e-12)


def test_train_before_steps_and_eval_before_predicting():
    ModalSGD.calls.clear()
    out = optimizer_learner(ModalSGD)(X, Y, X)
    assert ModalSGD.calls[-2:] == ["train", "eval"]
    np.testing.assert_array_equal(out, np.zeros(len(X)))  # predicted at the point eval() installed


def test_create_graph_is_detected_and_can_be_forced():
    assert needs_create_graph(GraphSGD, optimizer_learner(PlainSGD).options)
    assert not needs_create_graph(PlainSGD, optimizer_learner(PlainSGD).options)
    learner = optimizer_learner(GraphSGD)
    assert learner.options["create_graph"] is True
    np.testing.assert_allclose(learner(X, Y, X), optimizer_learner(PlainSGD)(X, Y, X), rtol=1e-10)
    assert optimizer_learner(PlainSGD, create_graph=True).options["create_graph"] is True


def test_schedule_free_optimizers_get_verdicts():
    schedulefree = pytest.importorskip("schedulefree")
    import invariance

    for cls, verdict in ((schedulefree.SGDScheduleFree, "invariant"),
                         (schedulefree.AdamWScheduleFree, "pm1-invariant")):
        r = invariance.check(cls, max_examples=30)
        assert r.diagnosis is None and r.verdict.value == verdict, r.message


class HiddenDrawSGD(PlainSGD):
    """Draws from torch's global generator and throws the draw away (as Sophia-H's clipping hides its
    random Hessian probes on small problems): the predictions do not show it, the generator's state does."""

    @torch.no_grad()
    def step(self, closure=None):
        torch.randn(1)
        super().step(closure)


def test_a_draw_whose_effect_is_hidden_is_still_detected():
    assert uses_global_rng(HiddenDrawSGD, optimizer_learner(PlainSGD).options)
    assert optimizer_learner(HiddenDrawSGD).randomized


# --------------------------------------------------------------------------------- where it breaks


from types import SimpleNamespace  # noqa: E402

from invariance.adapters.torch import breaks_at  # noqa: E402
from invariance.judge import state_transform  # noqa: E402


def _rotated(d=4, n=5, seed=3):
    rng = np.random.default_rng(seed)
    Q, R = np.linalg.qr(rng.standard_normal((d, d)))
    U = Q * np.sign(np.diag(R))
    Xtr = rng.standard_normal((n, d))
    return SimpleNamespace(U=U, X_train=Xtr, X_train_transformed=Xtr @ U.T, y_train=rng.standard_normal(n),
                           property="orthogonal")


def test_state_transform_rule():
    U = _rotated().U
    a = np.array([[1.0, -2.0, 0.5, 3.0]])
    assert state_transform(a, a @ U.T, U)[0]
    assert not state_transform(a, a**2, U)[0]
    same = np.full((1, 4), 0.7)  # equal on both sides, all entries equal: a scalar in disguise
    assert state_transform(same, same, U)[0]
    assert (not state_transform(np.array(3.0), np.array(3.1), U)[0]
            and state_transform(np.array(2.0), np.array(2.0), U)[0])


def test_sgd_with_momentum_breaks_nowhere():
    opts = optimizer_learner(PlainSGD).options
    out = breaks_at(torch.optim.SGD, {**opts, "optimizer_kwargs": {"momentum": 0.9, "nesterov": True}}, _rotated())
    assert out["key"] is None and out["steps"] == 3 * 5 and "every state transforms" in out["note"]


def test_adam_breaks_at_its_second_moment():
    import invariance

    r = invariance.check(torch.optim.Adam, max_examples=30)
    assert r.verdict.value == "pm1-invariant"
    assert r.breaks_at["key"] == "exp_avg_sq" and r.breaks_at["step"] == 1 and r.breaks_at["deviation"] > 0.1
    assert r.to_json()["breaks_at"]["key"] == "exp_avg_sq"


class AbsSumSGD(PlainSGD):
    """Keeps Σ|g| per coordinate (a per-coordinate L1 statistic) and does not use it: the state breaks,
    the weight never does."""

    @torch.no_grad()
    def step(self, closure=None):
        super().step(closure)
        for g in self.param_groups:
            for p in g["params"]:
                st = self.state[p]
                st["abs_sum"] = st.get("abs_sum", torch.zeros_like(p)) + p.grad.abs()


def test_a_per_coordinate_state_is_named_even_when_unused():
    out = breaks_at(AbsSumSGD, optimizer_learner(AbsSumSGD).options, _rotated())
    assert out["key"] == "abs_sum" and out["step"] == 1


def test_adabelief_breaks_at_its_belief_state_on_pm1_twins():
    pytest.importorskip("pytorch_optimizer")
    import invariance

    r = invariance.check("pytorch_optimizer:AdaBelief", max_examples=30)
    assert r.verdict.value == "not-invariant"
    pm1 = r.breaks_at["by_property"]["pm1"]
    assert pm1["key"] == "exp_avg_var", pm1


# ------------------------------------------------------------- SAM: the gradient is present before step


class HandSAM(PlainSGD):
    """Sharpness-aware minimisation as users call it (``loss.backward(); opt.step(closure)``): the ascent
    step uses the gradient already in ``.grad``, the closure re-evaluates it at the perturbed point."""

    def __init__(self, params, lr=0.1, rho=0.05):
        torch.optim.Optimizer.__init__(self, params, {"lr": lr, "rho": rho})

    @torch.no_grad()
    def step(self, closure=None):
        for g in self.param_groups:
            for p in g["params"]:
                e = g["rho"] * p.grad / (p.grad.norm() + 1e-12)
                self.state[p]["e"] = e
                p.add_(e)
        with torch.enable_grad():
            closure()
        for g in self.param_groups:
            for p in g["params"]:
                p.sub_(self.state[p]["e"])
                p.add_(p.grad, alpha=-g["lr"])


def test_a_sam_step_sees_the_current_gradient_before_its_closure():
    w = np.zeros(3)
    for _ in range(3):
        for x, t in zip(X, Y, strict=True):
            g = (w @ x - t) * x
            e = 0.05 * g / (np.linalg.norm(g) + 1e-12)
            w = w - 0.1 * ((w + e) @ x - t) * x
    np.testing.assert_allclose(optimizer_learner(HandSAM)(X, Y, X), X @ w, rtol=1e-10)
