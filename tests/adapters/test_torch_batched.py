"""Batched fits (issue 19; docs/design.md#batched-fits): many problems trained by one optimizer instance
give the one-by-one predictions bit for bit where the optimizer treats its parameters independently;
optimizers that couple them — a global grad-norm clip, SAM's global norm, a counter the group increments
per parameter, a preconditioner over all parameters — are found by the probe and run one by one; a check
gives the same JSON on both paths; and a coupling the probe cannot see is caught during the check."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from helpers import optimizer_learner, without_seconds  # noqa: E402

import invariance  # noqa: E402
from invariance.adapters.torch.batched import probe_batching  # noqa: E402
from invariance.adapters.torch.options import TorchOptions  # noqa: E402

RNG = np.random.default_rng(7)
#: mixed shapes, one of a single example, one of 30 steps
PROBLEMS = [(RNG.standard_normal((n, d)), RNG.integers(-3, 4, n).astype(float), RNG.standard_normal((2, d)))
            for n, d in [(4, 3), (1, 6), (9, 2), (30, 5), (6, 1)]]


class _Base(torch.optim.Optimizer):
    def __init__(self, params, lr=0.05):
        super().__init__(params, {"lr": lr})

    def _params(self):
        return [p for g in self.param_groups for p in g["params"] if p.grad is not None]


class GlobalClip(_Base):
    """SGD after clipping the gradient norm over every parameter (clip_grad_norm_ in a training loop)."""

    @torch.no_grad()
    def step(self, closure=None):
        ps = self._params()
        norm = torch.sqrt(sum((p.grad**2).sum() for p in ps))
        scale = min(1.0, 0.5 / (float(norm) + 1e-12))
        for p in ps:
            p.add_(p.grad, alpha=-self.defaults["lr"] * scale)


class SamLike(_Base):
    """A SAM-style ascent radius divided by the global gradient norm, then SGD."""

    @torch.no_grad()
    def step(self, closure=None):
        ps = self._params()
        norm = float(torch.sqrt(sum((p.grad**2).sum() for p in ps)))
        for p in ps:
            p.add_(p.grad * (1 + 0.1 / (norm + 1e-12)), alpha=-self.defaults["lr"])


class GroupCounter(_Base):
    """Bias correction from a counter the group increments once per parameter it steps."""

    @torch.no_grad()
    def step(self, closure=None):
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is None:
                    continue
                g["k"] = g.get("k", 0) + 1
                p.add_(p.grad, alpha=-g["lr"] / (1 + 0.1 * g["k"]))


class ModelLevel(_Base):
    """Full-matrix AdaGrad over the concatenation of every parameter: one preconditioner for the model."""

    @torch.no_grad()
    def step(self, closure=None):
        ps = self._params()
        g = torch.cat([p.grad.reshape(-1) for p in ps])
        G = self.state.setdefault("G", {}).get(g.numel())
        G = torch.eye(g.numel(), dtype=g.dtype) * 1e-3 if G is None else G
        G += torch.outer(g, g)
        self.state["G"][g.numel()] = G
        evals, evecs = torch.linalg.eigh(G)
        step = evecs @ ((evecs.T @ g) / evals.sqrt())
        i = 0
        for p in ps:
            p.add_(step[i: i + p.numel()].reshape(p.shape), alpha=-self.defaults["lr"])
            i += p.numel()


class CouplesBeyondTheProbe(_Base):
    """SGD, plus a large push on every parameter once more than 12 are stepped together: a coupling that
    the 7-problem probe group cannot see."""

    @torch.no_grad()
    def step(self, closure=None):
        ps = self._params()
        for i, p in enumerate(ps):
            p.add_(p.grad, alpha=-self.defaults["lr"])
            if len(ps) > 12:
                p.add_(torch.full_like(p, 0.3 * (i % 3)))


@pytest.mark.parametrize("options", [{}, {"model": "layer", "outputs": 3}])
@pytest.mark.parametrize("cls", [torch.optim.Adam, torch.optim.SGD, torch.optim.Adagrad, torch.optim.RMSprop])
def test_batched_fits_equal_one_by_one_fits_bit_for_bit(cls, options):
    lrn = optimizer_learner(cls, **options)
    assert lrn.batch is not None and lrn.batch_note.startswith("batched")
    problems = PROBLEMS if not options else [(X, np.c_[y, -y, 2 * y], Xt) for X, y, Xt in PROBLEMS]
    together = lrn.batch(problems)
    for (X, y, Xt), b in zip(problems, together, strict=True):
        assert np.array_equal(lrn.fn(X, y, Xt), b)


@pytest.mark.parametrize("cls", [GlobalClip, SamLike, GroupCounter, ModelLevel])
def test_optimizers_that_couple_their_parameters_run_one_by_one(cls):
    lrn = optimizer_learner(cls)
    assert lrn.batch is None
    assert lrn.batch_note.startswith("one by one: the optimizer couples its parameters"), lrn.batch_note


class NoisySGD(_Base):
    """SGD plus noise from torch's global generator: randomised through the global generators."""

    @torch.no_grad()
    def step(self, closure=None):
        for p in self._params():
            p.add_(p.grad + 0.01 * torch.randn(p.shape, dtype=p.dtype), alpha=-self.defaults["lr"])


def test_the_probe_batches_what_is_independent_and_refuses_the_global_generators():
    """A randomised MLP batches (each problem its own seed, as its calls draw it); an optimizer drawing
    from the global generators (seeded per fit) never does."""
    opts = TorchOptions.from_options({"lr": 0.05})
    assert probe_batching(torch.optim.Adam, opts).batched
    assert not probe_batching(GlobalClip, opts).batched
    mlp = TorchOptions.from_options({"lr": 0.05, "model": "mlp", "hidden": 4})
    assert mlp.randomized and probe_batching(torch.optim.Adam, mlp).batched
    noisy = optimizer_learner(NoisySGD)
    assert noisy.randomized and noisy.batch is None
    assert noisy.batch_note.startswith("one by one: it draws from the global generators")


def test_a_randomised_learner_batched_with_seeds_equals_its_own_calls():
    lrn = optimizer_learner(torch.optim.SGD, model="mlp", hidden=4)
    assert lrn.randomized and lrn.batch is not None
    rngs = [np.random.default_rng(s) for s in range(len(PROBLEMS))]
    together = lrn.batch(PROBLEMS, rngs)
    for s, ((X, y, Xt), b) in enumerate(zip(PROBLEMS, together, strict=True)):
        assert np.array_equal(lrn.fn(X, y, Xt, rng=np.random.default_rng(s)), b)
    assert not np.array_equal(together[0], lrn.fn(*PROBLEMS[0], rng=np.random.default_rng(99)))  # seeds matter


def _json(target, monkeypatch, batch: str, **kw) -> dict:
    monkeypatch.setenv("INVCHECK_BATCH", batch)
    return invariance.check(target, max_examples=40, samples=40, **kw).to_json()


@pytest.mark.parametrize("target, kw", [("torch.optim:Adam", {}), ("torch.optim:SGD", {}),
                                        ("torch.optim:Adam", {"model": "layer", "outputs": 3}),
                                        ("torch.optim:SGD", {"model": "mlp", "hidden": 4})])
def test_a_check_gives_the_same_json_on_both_paths(monkeypatch, target, kw):
    one = _json(target, monkeypatch, "0", **kw)
    batched = _json(target, monkeypatch, "1", **kw)
    assert one["fits"] == "one by one: INVCHECK_BATCH=0" and batched["fits"].startswith("batched: ")
    one.pop("fits"), batched.pop("fits")
    assert without_seconds(one) == without_seconds(batched)


def test_a_coupling_the_probe_misses_is_caught_and_batching_turned_off():
    """The probe group (7 problems) sees plain SGD; the seeded sample's batches (8 cases, 16 fits and more)
    see the push. The first example judged on batched numbers above the floor is run again on its own,
    the numbers differ, batching is turned off, and the verdict is the one-by-one verdict (SGD:
    invariant)."""
    lrn = optimizer_learner(CouplesBeyondTheProbe)
    assert lrn.batch is not None  # the probe cannot see it
    result = invariance.check(lrn, max_examples=40, samples=40)
    assert result.fits.startswith("batched, then one by one: a batched fit differed from its own run"), result.fits
    assert result.verdict.value == "invariant", result.message


class DataSam(_Base):
    """SAM written the old way: the ascent step through ``.data`` (which bumps no tensor version), then the
    closure at the perturbed point, then back and down with the gradient found there. Records, per step,
    whether that gradient differs from the one at the weights (it must: the closure recomputed)."""

    moved: list = []

    def step(self, closure=None):
        with torch.no_grad():
            ps = self._params()
            before = [p.grad.clone() for p in ps]
            e = [0.5 * g for g in before]
            for p, ei in zip(ps, e, strict=True):
                p.data.add_(ei)
        with torch.enable_grad():
            closure()
        with torch.no_grad():
            DataSam.moved.append(any(not torch.equal(p.grad, g) for p, g in zip(ps, before, strict=True)))
            for p, ei in zip(ps, e, strict=True):
                p.data.sub_(ei)
                p.data.add_(p.grad, alpha=-self.defaults["lr"])


@pytest.mark.parametrize("options", [{}, {"model": "layer", "outputs": 2}, {"model": "mlp", "hidden": 3}])
def test_a_closure_after_a_write_through_data_recomputes(options):
    """The gradient computed before the step is reused only while nothing changed. A write through
    ``.data`` changes no tensor version and must still be seen: at the perturbed point the closure gives
    that point's gradient, not the stale one."""
    from invariance.adapters.torch import train_predict

    DataSam.moved = []
    X, y, Xt = PROBLEMS[3]
    if options.get("model") == "layer":
        y = np.c_[y, -y]
    train_predict(DataSam, X, y, Xt, TorchOptions.from_options({"lr": 0.05, **options}), 0)
    assert len(DataSam.moved) == 3 * len(X)
    assert sum(DataSam.moved) >= len(X)  # (where the gradient is 0 the point does not move)


def test_a_batch_that_raises_turns_batching_off_and_the_verdict_stands():
    """A batch function that fails: nothing is served from it, the rest of the check runs one by one, the
    verdict is the one-by-one verdict and the result says what happened."""
    from dataclasses import replace

    def least_squares(X, y, Xt):
        return Xt @ (np.linalg.pinv(X) @ y)

    def broken(problems, rngs=None):
        raise RuntimeError("out of memory in the batch")

    lrn = replace(invariance.contract.as_learner(least_squares, name="ls", target="tests:ls"), batch=broken,
                  batch_note="batched: (a test)")
    result = invariance.check(lrn, max_examples=20)
    assert result.verdict.value == "invariant"
    assert result.fits.startswith("batched, then one by one: a batch of") and "RuntimeError" in result.fits


@pytest.mark.parametrize("model", ["linear", "layer", "mlp"])
def test_the_builtin_models_are_the_modules_torch_builds_and_draw_nothing_from_the_global_generator(model):
    """build_model's layers are built by hand (no initialisation, no meta-device round trip): the same
    nn.Linear(bias=False) modules, attributes and parameters as torch.nn.utils.skip_init's, with no draw from
    torch's global generator."""
    from invariance.adapters.torch.model import build_model

    opts = TorchOptions(model=model, outputs=3 if model == "layer" else None)
    state = torch.get_rng_state()
    built = build_model(torch, 5, opts, torch.Generator().manual_seed(7))
    assert torch.equal(torch.get_rng_state(), state)
    layers = [m for m in built.modules() if isinstance(m, torch.nn.Linear)]
    assert layers
    for layer in layers:
        twin = torch.nn.utils.skip_init(torch.nn.Linear, layer.in_features, layer.out_features, bias=False,
                                        dtype=torch.float64)
        assert type(layer) is type(twin) and repr(layer) == repr(twin) and vars(layer).keys() == vars(twin).keys()
        assert layer.weight.device == twin.weight.device and layer.weight.stride() == twin.weight.stride()
        assert [(n, p.shape, p.dtype, p.requires_grad, p.is_leaf) for n, p in layer.named_parameters()] == \
               [(n, p.shape, p.dtype, p.requires_grad, p.is_leaf) for n, p in twin.named_parameters()]
        assert list(layer.state_dict()) == list(twin.state_dict()) and layer.bias is None



class _LossRecorder(torch.optim.Optimizer):
    """Plain SGD (independent per parameter) that records the loss its closure returns at every step."""

    losses: list = []

    def __init__(self, params, lr=0.05):
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self, closure=None):
        with torch.enable_grad():
            loss = closure()
        type(self).losses.append(float(loss))
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group["lr"])
        return loss


@pytest.mark.parametrize("model", ["linear", "layer"])
@pytest.mark.parametrize("batch_size", [1, 2])
def test_the_group_closure_returns_the_sum_of_the_problems_own_losses(model, batch_size):
    """The batched closure's loss is Σ over the running problems of the loss each one's own closure returns at
    that step (to rounding), with one batch length for the group (batch_size 1) and with mixed lengths (2)."""
    from invariance.adapters.torch.batched import fit_many
    from invariance.adapters.torch.protocol import run, run_context

    opts = TorchOptions(model=model, outputs=2 if model == "layer" else None, batch_size=batch_size)
    problems = [(X, np.stack([y, -y], 1) if model == "layer" else y, Xt) for X, y, Xt in PROBLEMS]
    _LossRecorder.losses = []
    fit_many(_LossRecorder, problems, opts=opts)
    together = list(_LossRecorder.losses)
    own = []
    with run_context(torch, opts, 0):
        for X, y, Xt in problems:
            _LossRecorder.losses = []
            run(torch, _LossRecorder, X, y, Xt, opts, None)
            own.append(list(_LossRecorder.losses))
    expected = [sum(steps[t] for steps in own if t < len(steps)) for t in range(max(map(len, own)))]
    assert len(together) == len(expected)
    assert together == pytest.approx(expected, rel=1e-12)
    assert any(len(steps) < len(expected) for steps in own)  # problems finish at different steps
