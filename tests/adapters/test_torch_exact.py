"""The working precision of a torch optimizer, wherever it is (issue 17, item 2), and exact arithmetic
beside the computed result (item 3).

Precision: any floating dtype coarser than the float64 inputs that feeds the update is detected —
float32 included — on tensors of more than one element (torch's float32 0-dim step counters and
learning-rate tensors are bookkeeping, not the update): every ``torch.optim`` class at its defaults
stays float64, a float32-casting SGD is float32. Exact: the same learner trained with its casts to
coarser dtypes rewritten to float64 (``Learner.exact``), built where the rewrite removes every coarse
tensor from the probe run, and None with a note where it cannot (a cast through NumPy)."""

from __future__ import annotations

import functools
import inspect

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from helpers import optimizer_learner  # noqa: E402

from invariance.adapters.torch import probes, step_precision  # noqa: E402

RNG = np.random.default_rng(5)
X = RNG.standard_normal((8, 4))
Y = X @ RNG.standard_normal(4) + 0.1 * RNG.standard_normal(8)
XT = RNG.standard_normal((5, 4))


class HeavyBall(torch.optim.Optimizer):
    """SGD with heavy-ball momentum; the buffer in ``buffer_dtype``."""

    buffer_dtype = torch.float64

    def __init__(self, params, lr=0.1, momentum=0.9):
        super().__init__(params, {"lr": lr, "momentum": momentum})

    @torch.no_grad()
    def step(self, closure=None):
        for g in self.param_groups:
            for p in g["params"]:
                st = self.state[p]
                if "buf" not in st:
                    st["buf"] = torch.zeros_like(p, dtype=self.buffer_dtype)
                buf = st["buf"]
                buf.mul_(g["momentum"]).add_(p.grad.to(self.buffer_dtype))
                p.add_(buf.to(p.dtype), alpha=-g["lr"])


class BF16HeavyBall(HeavyBall):
    buffer_dtype = torch.bfloat16


class PlainSGD(torch.optim.Optimizer):
    def __init__(self, params, lr=0.1):
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self, closure=None):
        for g in self.param_groups:
            for p in g["params"]:
                p.add_(p.grad * -g["lr"])


class Float32SGD(PlainSGD):
    """SGD on a float32 copy of the gradient, as foreach/fused kernels and compiled steps do."""

    @torch.no_grad()
    def step(self, closure=None):
        for g in self.param_groups:
            for p in g["params"]:
                upd = p.grad.float() * -g["lr"]
                p.add_(upd.to(p.dtype))


class NumpyFloat32SGD(PlainSGD):
    """Rounds the gradient to float32 through NumPy: no torch function sees the cast, so no mode can
    rewrite it."""

    @torch.no_grad()
    def step(self, closure=None):
        for g in self.param_groups:
            for p in g["params"]:
                g32 = torch.from_numpy(p.grad.detach().numpy().astype(np.float32))
                p.add_(g32.to(p.dtype), alpha=-g["lr"])


class TypeCastSGD(PlainSGD):
    """Casts every way the rewrite must reach: .type(), .half(), .to(other), .to(device, dtype), dtype=."""

    @torch.no_grad()
    def step(self, closure=None):
        for g in self.param_groups:
            for p in g["params"]:
                st = self.state[p]
                if "ref" not in st:
                    st["ref"] = torch.empty(p.shape, dtype=torch.bfloat16)
                    st["acc"] = torch.tensor([0.0, 0.0], dtype=torch.float16)
                a = p.grad.type(torch.float32)
                b = a.half().to(st["ref"])
                c = b.to(p.device, torch.float32)
                st["ref"].copy_(c)
                p.add_(st["ref"].to(p.dtype), alpha=-g["lr"])


# ------------------------------------------------------------------------------------ precision


def test_heavy_ball_with_a_bfloat16_buffer_is_detected_and_made_exact():
    learner = optimizer_learner(BF16HeavyBall)
    assert learner.precision == "bfloat16" and "bfloat16" in learner.precision_note
    assert learner.exact is not None, learner.exact_note
    assert "bfloat16" in learner.exact_note and "rewritten to float64" in learner.exact_note
    reference = optimizer_learner(HeavyBall)
    assert reference.precision is None and reference.exact is None and reference.exact_note is None
    want = reference(X, Y, XT)
    np.testing.assert_allclose(learner.exact(X, Y, XT), want, rtol=0, atol=1e-12)
    assert np.abs(learner(X, Y, XT) - want).max() > 1e-6  # as computed: bfloat16 rounding
    # the exact learner is the same learner, judged at float64
    ex = learner.exact
    assert (ex.name, ex.target, ex.outputs, ex.randomized) == (
        learner.name, learner.target, learner.outputs, learner.randomized
    )
    assert ex.options == learner.options and ex.precision is None and ex.exact is None and ex.explain is not None


def test_an_sgd_casting_to_float32_is_float32_and_its_exact_run_is_plain_sgd():
    learner = optimizer_learner(Float32SGD)
    assert learner.precision == "float32", learner.precision_note
    assert learner.exact is not None, learner.exact_note
    want = optimizer_learner(PlainSGD)(X, Y, XT)
    np.testing.assert_allclose(learner.exact(X, Y, XT), want, rtol=1e-12, atol=1e-15)
    assert np.abs(learner(X, Y, XT) - want).max() > 1e-12


def test_every_cast_spelling_is_rewritten():
    learner = optimizer_learner(TypeCastSGD)
    assert learner.precision == "bfloat16"
    assert learner.exact is not None, learner.exact_note
    np.testing.assert_allclose(learner.exact(X, Y, XT), optimizer_learner(PlainSGD)(X, Y, XT), rtol=1e-12, atol=1e-15)


def test_a_cast_through_numpy_cannot_be_rewritten():
    learner = optimizer_learner(NumpyFloat32SGD)
    assert learner.precision == "float32"
    assert learner.exact is None
    assert "still appears" in learner.exact_note and "cannot be reached" in learner.exact_note
    assert "float32 allowance" in learner.exact_note


def _torch_optim_classes():
    out = []
    for name in dir(torch.optim):
        cls = getattr(torch.optim, name)
        if inspect.isclass(cls) and issubclass(cls, torch.optim.Optimizer) and cls is not torch.optim.Optimizer:
            out.append(cls)
    return out


@pytest.mark.parametrize("cls", _torch_optim_classes(), ids=lambda c: c.__name__)
def test_torch_optim_classes_at_their_defaults_stay_float64(cls):
    """torch's float32 0-dim step counters, _get_value scalars and lr tensors are not the update's
    precision. Muon orthogonalises in bfloat16, on purpose."""
    precision, note = step_precision(cls, optimizer_learner(PlainSGD).options | {"lr": None, "closure": "passed"})
    if cls.__name__ == "Muon":
        assert precision == "bfloat16" and "bfloat16()" in note
    else:
        assert precision is None, note


@pytest.mark.parametrize("kwargs", [{"foreach": True}, {"fused": True}])
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad"])
def test_foreach_and_fused_kernels_on_float64_stay_float64(name, kwargs):
    learner = optimizer_learner(getattr(torch.optim, name), optimizer_kwargs=kwargs)
    assert learner.precision is None and learner.exact is None, learner.precision_note


def test_muon_gets_an_exact_variant():
    learner = optimizer_learner(torch.optim.Muon)
    assert learner.precision == "bfloat16" and learner.exact is not None
    assert np.all(np.isfinite(learner.exact(X, Y, XT)))


@pytest.mark.parametrize("model", [{}, {"model": "layer", "outputs": 3}, {"model": "mlp", "hidden": 4}])
def test_the_adapter_itself_creates_no_coarse_tensor(model):
    opts = optimizer_learner(PlainSGD, **model).options
    seen, _ = probes._watched_run(PlainSGD, opts)
    assert seen == {}


# --------------------------------------------------------------------------------- pytorch_optimizer


def test_adafactor_is_bfloat16_and_its_exact_run_is_its_float64_momentum():
    po = pytest.importorskip("pytorch_optimizer")
    learner = optimizer_learner(po.AdaFactor)
    assert learner.precision == "bfloat16" and learner.exact is not None, learner.exact_note
    assert "AdaFactor" in learner.exact_note and "torch.bfloat16" in learner.exact_note
    f64 = optimizer_learner(functools.partial(po.AdaFactor, momentum_dtype=torch.float64))
    assert f64.precision is None
    np.testing.assert_allclose(learner.exact(X, Y, XT), f64(X, Y, XT), rtol=1e-12, atol=1e-15)
    assert not np.array_equal(learner(X, Y, XT), f64(X, Y, XT))


def test_quantized_state_is_coarse_and_cannot_be_made_exact():
    """FlashAdamW keeps its moments as int8 with per-group scales: no cast to rewrite."""
    po = pytest.importorskip("pytorch_optimizer")
    learner = optimizer_learner(po.FlashAdamW)
    assert learner.precision == "bfloat16" and "int8" in learner.precision_note
    assert learner.exact is None and "quantized" in learner.exact_note
    unquantized = optimizer_learner(po.FlashAdamW, optimizer_kwargs={"quantize": False})
    assert unquantized.precision is None and unquantized.exact is None, unquantized.precision_note
