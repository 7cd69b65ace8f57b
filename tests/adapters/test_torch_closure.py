"""The torch adapter trains the way users train (issue 17, item 0): the gradient is computed before every
step (zero_grad, forward, backward; by hand for the linear models), then ``step(closure)`` where ``step``
takes one, ``step()`` where it takes none or rejects one. Five hand-written SGDs cover the protocols an
optimizer can have with its closure: it calls it, ignores it, rejects it, takes none, or needs its value.
Each must be trained (its weight moves) and be ``invariant``. An ignoring optimizer with a per-coordinate
rule must then show its real verdict (``pm1-invariant``), and an ignoring per-output-row AdaGrad on a
layer its real two-sided one."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from helpers import optimizer_learner  # noqa: E402

import invariance  # noqa: E402
from invariance.adapters.defaults import FALLBACK_LR  # noqa: E402
from invariance.adapters.torch import closure_protocol, train_predict  # noqa: E402
from invariance.verdict import Symmetry, Verdict  # noqa: E402

X = np.random.default_rng(0).standard_normal((6, 3))
Y = X @ np.array([1.0, -0.5, 0.25])


def _sgd(opt):
    for g in opt.param_groups:
        for p in g["params"]:
            p.add_(p.grad, alpha=-g["lr"])


class _Base(torch.optim.Optimizer):
    def __init__(self, params, lr=0.1):
        super().__init__(params, {"lr": lr})


class CallsClosure(_Base):
    """(a) calls the closure, then steps on the gradient it left."""

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        _sgd(self)
        return loss


class IgnoresClosure(_Base):
    """(b) research-code style: takes a closure and never calls it (the loop ran backward() first)."""

    @torch.no_grad()
    def step(self, closure=None):
        _sgd(self)


class RejectsClosure(_Base):
    """(c) refuses any closure, as a library of orthogonalised optimizers does."""

    @torch.no_grad()
    def step(self, closure=None):
        if closure is not None:
            raise ValueError("closure is not supported")
        _sgd(self)


class TakesNone(_Base):
    """(d) ``def step(self)``."""

    @torch.no_grad()
    def step(self):
        _sgd(self)


class NeedsClosure(_Base):
    """(e) needs the closure's value: the step is scaled by 1/(1 + loss), a line-search-like scalar that
    a rotation of the inputs leaves unchanged (the loss is invariant)."""

    @torch.no_grad()
    def step(self, closure=None):
        if closure is None:
            raise RuntimeError("NeedsClosure requires a closure")
        with torch.enable_grad():
            loss = float(closure())
        for g in self.param_groups:
            for p in g["params"]:
                p.add_(p.grad, alpha=-g["lr"] / (1.0 + loss))
        return loss


PROTOCOLS = [
    (CallsClosure, "passed"),
    (IgnoresClosure, "passed"),
    (RejectsClosure, "rejected: plain step()"),
    (TakesNone, "none"),
    (NeedsClosure, "passed"),
]


@pytest.mark.parametrize("cls, protocol", PROTOCOLS, ids=[c.__name__ for c, _ in PROTOCOLS])
def test_the_protocol_is_decided_once_and_recorded(cls, protocol):
    learner = optimizer_learner(cls)
    assert learner.options["closure"] == protocol
    if protocol.startswith("rejected"):
        assert "step(closure) rejected" in learner.options["description"]
    if protocol == "none":
        assert "takes no closure" in learner.options["description"]


@pytest.mark.parametrize("cls, protocol", PROTOCOLS, ids=[c.__name__ for c, _ in PROTOCOLS])
def test_every_protocol_trains_the_weight(cls, protocol):
    opts = optimizer_learner(cls).options
    out = train_predict(cls, X, Y, X, opts, None)
    assert np.all(np.isfinite(out)) and np.abs(out).max() > 1e-3  # the weight moved from 0
    if cls is not NeedsClosure:  # the same SGD, whatever the protocol
        reference = train_predict(CallsClosure, X, Y, X, optimizer_learner(CallsClosure).options, None)
        np.testing.assert_allclose(out, reference, rtol=1e-12)


@pytest.mark.parametrize("cls, protocol", PROTOCOLS, ids=[c.__name__ for c, _ in PROTOCOLS])
def test_every_protocol_with_an_sgd_rule_is_invariant(cls, protocol):
    r = invariance.check(cls, max_examples=40)
    assert r.diagnosis is None and r.verdict is Verdict.INVARIANT, r.message


class GradientWitness(_Base):
    """Records the gradient present before ``step`` and the one the closure recomputes."""

    seen: list = []

    @torch.no_grad()
    def step(self, closure=None):
        before = [p.grad.detach().clone() for g in self.param_groups for p in g["params"]]
        with torch.enable_grad():
            closure()
        after = [p.grad.detach().clone() for g in self.param_groups for p in g["params"]]
        GradientWitness.seen.append((before, after))
        _sgd(self)


@pytest.mark.parametrize("options", [{}, {"model": "layer", "outputs": 2}, {"model": "mlp", "hidden": 4},
                                     {"create_graph": True}])
def test_the_closure_recomputes_exactly_the_precomputed_gradient(options):
    GradientWitness.seen.clear()
    learner = optimizer_learner(GradientWitness, **options)
    GradientWitness.seen.clear()
    Yh = np.column_stack([Y, -Y]) if options.get("outputs") else Y
    learner(X, Yh, X, **({"rng": np.random.default_rng(0)} if learner.randomized else {}))
    assert len(GradientWitness.seen) == 3 * len(X)
    for before, after in GradientWitness.seen:
        assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True))


class ZeroingClosureCaller(_Base):
    """Moves the weight, then calls the closure: the closure must recompute at the new point."""

    @torch.no_grad()
    def step(self, closure=None):
        _sgd(self)
        with torch.enable_grad():
            closure()
        _sgd(self)


@pytest.mark.parametrize("model", ["linear", "mlp"])
def test_a_closure_called_after_the_weights_moved_recomputes(model):
    """Two SGD steps per call, the second at the moved point: equals plain SGD on every example twice."""
    opts = optimizer_learner(ZeroingClosureCaller, model=model, hidden=4).options
    twice = np.repeat(np.arange(len(X)), 2)
    ref_opts = optimizer_learner(CallsClosure, model=model, hidden=4).options
    got = train_predict(ZeroingClosureCaller, X, Y, X, opts, 0)
    ref = train_predict(CallsClosure, X[twice], Y[twice], X, ref_opts, 0)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ an ignoring optimizer's real verdict


class IgnoringAdagrad(_Base):
    """Diagonal AdaGrad, closure ignored: sum += g²; p -= lr g / (√sum + eps). Per coordinate:
    invariant under signed permutations only, and on ±1 data with one example per step (pm1-invariant)."""

    def __init__(self, params, lr=0.1, eps=1e-10):
        torch.optim.Optimizer.__init__(self, params, {"lr": lr, "eps": eps})

    @torch.no_grad()
    def step(self, closure=None):
        for g in self.param_groups:
            for p in g["params"]:
                s = self.state[p].setdefault("sum", torch.zeros_like(p))
                s.add_(p.grad * p.grad)
                p.addcdiv_(p.grad, s.sqrt().add_(g["eps"]), value=-g["lr"])


def test_an_ignoring_per_coordinate_optimizer_is_pm1_invariant():
    r = invariance.check(IgnoringAdagrad, max_examples=40)
    assert r.diagnosis is None and r.verdict is Verdict.PM1_INVARIANT, r.message
    assert r.symmetry is Symmetry.SIGNED_PERMUTATIONS


class IgnoringRowAdagrad(_Base):
    """AdaGrad with one accumulator per output row (state shape (H, 1)), closure ignored. With G = r xᵀ
    (one example per step) the row sum of G² is r_h²‖x‖²: every row is scaled by a function of ‖x‖ and
    r_h. Input side: x ↦ Ux leaves ‖x‖ and r unchanged, so W ↦ WUᵀ and the learner is invariant. Output
    side: Y ↦ YVᵀ maps r ↦ Vr, and r_h² is carried along by signed permutations V only."""

    def __init__(self, params, lr=0.1, eps=1e-10):
        torch.optim.Optimizer.__init__(self, params, {"lr": lr, "eps": eps})

    @torch.no_grad()
    def step(self, closure=None):
        for g in self.param_groups:
            for p in g["params"]:
                s = self.state[p].setdefault("row_sum", torch.zeros(p.shape[0], 1, dtype=p.dtype))
                s.add_((p.grad * p.grad).sum(1, keepdim=True))
                p.sub_(g["lr"] * p.grad / (s.sqrt() + g["eps"]))


def test_an_ignoring_per_row_adagrad_is_input_invariant_and_output_signed_permutation():
    r = invariance.check(IgnoringRowAdagrad, model="layer", outputs=3, max_examples=40)
    assert r.diagnosis is None and r.verdict is Verdict.INVARIANT, r.message
    assert r.output_symmetry is Symmetry.SIGNED_PERMUTATIONS, r.message


# ------------------------------------------------------------------------------- a None lr that is required


class RequiredNoneLr(_Base):
    """``lr=None`` in the signature, asserted positive in the step: a required lr in substance."""

    def __init__(self, params, lr=None):
        torch.optim.Optimizer.__init__(self, params, {"lr": lr})

    @torch.no_grad()
    def step(self, closure=None):
        for g in self.param_groups:
            assert g["lr"] is not None and g["lr"] > 0, "lr must be positive"
        _sgd(self)


class ConstructorNoneLr(RequiredNoneLr):
    """``lr=None`` rejected already by the constructor."""

    def __init__(self, params, lr=None):
        if lr is None:
            raise ValueError("Invalid learning rate: None")
        super().__init__(params, lr)


class OwnNoneLr(_Base):
    """``lr=None`` meaning "the optimizer decides" (A2Grad): it trains without one, and gets none."""

    def __init__(self, params, lr=None):
        torch.optim.Optimizer.__init__(self, params, {"lr": lr})

    @torch.no_grad()
    def step(self, closure=None):
        for g in self.param_groups:
            for p in g["params"]:
                p.add_(p.grad, alpha=-(g["lr"] or 0.2))


@pytest.mark.parametrize("cls", [RequiredNoneLr, ConstructorNoneLr])
def test_a_required_none_lr_gets_the_adapters(cls):
    learner = optimizer_learner(cls)
    assert learner.options["lr"] == FALLBACK_LR
    assert ("defaults to None" in learner.options["lr_source"]
            and "training without one fails" in learner.options["lr_source"])
    assert np.abs(learner(X, Y, X)).max() > 1e-3
    r = invariance.check(cls, max_examples=20)
    assert r.diagnosis is None and r.verdict is Verdict.INVARIANT, r.message


def test_an_optional_none_lr_is_left_to_the_optimizer():
    learner = optimizer_learner(OwnNoneLr)
    assert learner.options["lr"] is None and learner.options["lr_source"] == "its default (lr=None)"


def test_torch_optim_classes_get_the_closure_at_their_own_defaults():
    import inspect

    for name in ("SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "LBFGS", "Rprop", "Adafactor", "Muon"):
        cls = getattr(torch.optim, name)
        opts = optimizer_learner(cls, **({"model": "layer"} if name == "Muon" else {})).options
        assert opts["closure"] == "passed", name
        assert "closure" in inspect.signature(cls.step).parameters


def test_the_protocol_helper_reports_rejection_without_a_learner():
    opts = optimizer_learner(CallsClosure).options
    assert closure_protocol(RejectsClosure, {**opts, "closure": None})[0] == "rejected: plain step()"
    assert closure_protocol(TakesNone, opts)[0] == "none"
