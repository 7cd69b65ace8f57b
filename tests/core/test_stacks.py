"""``@learner(batched=True)``: a NumPy learner that also takes stacks of same-shape problems.

The declaration is a claim, so a probe measures it once per learner (:mod:`invariance.probe.stacks`):
stacks are used only where they give each problem's own predictions bit for bit. Negative controls: a
stack path that couples the problems (one scale for the whole stack), one that raises, and one that
returns the wrong shape all run one by one, with the reason in ``fits``; a declaration on a learner
that takes ``rng`` is refused.
"""

from __future__ import annotations

import importlib
import itertools

import numpy as np
import pytest

from invariance import check, judge, learner
from invariance.contract import as_learner
from invariance.curves.hyperparams import configure
from invariance.errors import UsageError
from invariance.probe.stacks import stacked

BATCHED_BUILTINS = ("adagrad_diag", "adam", "eg_pm", "egu", "gd", "private_lr", "spindly", "spindly_pm")


def _builtin(name):
    return getattr(importlib.import_module(f"algorithms.{name}"), name)


@pytest.mark.parametrize("name", BATCHED_BUILTINS)
def test_builtin_stacks_equal_their_own_runs_bit_for_bit(name):
    """algorithms/_loop.py on a stack: each problem's predictions are a run of its own, bit for bit, on
    generic, ±1 and ×10 inputs (the overshoot guard cuts some steps and not others within one stack)."""
    f = _builtin(name)
    rng = np.random.default_rng(7)
    for B, n, d, m in ((1, 1, 1, 1), (4, 3, 5, 2), (3, 9, 2, 4), (5, 6, 13, 3), (9, 4, 40, 2)):
        for scale in (1.0, 10.0, None):
            X = rng.standard_normal((B, n, d))
            X = np.sign(X) if scale is None else scale * X
            y = rng.integers(-3, 4, (B, n)).astype(float)
            Xt = rng.standard_normal((B, m, d))
            together = f(X, y, Xt)
            assert together.shape == (B, m)
            for b in range(B):
                assert np.array_equal(f(X[b], y[b], Xt[b]), together[b]), (name, B, n, d, m, scale, b)


@pytest.mark.parametrize("name", BATCHED_BUILTINS)
def test_builtin_declared_batched_passes_the_probe(name):
    lrn = as_learner(_builtin(name), name=name, target=f"algorithms.{name}:{name}")
    assert lrn.batch is not None
    assert lrn.batch_note.startswith("batched: declared batched=True")


def test_a_stack_needs_a_stackable_rule():
    from algorithms import _loop
    from algorithms.newton import online_newton

    X = np.ones((2, 3, 4))
    with pytest.raises(ValueError, match="stackable"):
        _loop.fit_predict(X, np.ones((2, 3)), X, online_newton(1.0, 1e-3), p0=np.zeros((1, 4)))


# ------------------------------------------------------------------------------------ user learners


@learner("invariant", reason="ridge in dual form: x_test·Xᵀ(XXᵀ + I)⁻¹y sees inner products only", batched=True)
def ridge_dual(X_train, y_train, X_test):
    """Ridge (λ = 1) by its dual, on one problem or a stack."""
    X, y, Xt = (np.asarray(a, dtype=np.float64) for a in (X_train, y_train, X_test))
    K = X @ np.swapaxes(X, -1, -2) + np.eye(X.shape[-2])
    a = np.linalg.solve(K, y[..., None])[..., 0]
    return ((Xt @ np.swapaxes(X, -1, -2)) * a[..., None, :]).sum(-1)


@learner("invariant", reason="as ridge_dual", batched=True)
def ridge_coupled(X_train, y_train, X_test):
    """A false declaration: a stack is scaled by its largest entry, so a problem's predictions depend on
    the others in its stack (rounding at least; here the ridge is not scale-free, so more)."""
    X = np.asarray(X_train, dtype=np.float64)
    s = np.max(np.abs(X))
    return ridge_dual(X / s, y_train, np.asarray(X_test) / s)


@learner("invariant", reason="as ridge_dual", batched=True)
def ridge_one_at_a_time(X_train, y_train, X_test):
    """A false declaration: it only handles one problem (a stack raises)."""
    X = np.asarray(X_train, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError("expected a 2-D X_train")
    return ridge_dual(X, y_train, X_test)


@learner("invariant", reason="as ridge_dual", batched=True)
def ridge_flat(X_train, y_train, X_test):
    """A false declaration: on a stack it returns the predictions flattened."""
    return ridge_dual(X_train, y_train, X_test).reshape(-1)


def test_a_true_declaration_batches_and_gives_the_json_of_one_by_one(monkeypatch):
    lrn = as_learner(ridge_dual, name="ridge_dual", target="<test>")
    assert lrn.batch is not None
    fast = check(ridge_dual, seed=1, max_examples=30)
    monkeypatch.setenv("INVCHECK_BATCH", "0")
    assert as_learner(ridge_dual, name="ridge_dual", target="<test>").batch is None
    slow = check(ridge_dual, seed=1, max_examples=30)
    assert fast.fits.startswith("batched: declared") and slow.fits == "one by one: INVCHECK_BATCH=0"
    assert fast.verdict is not None and fast.verdict.value == "invariant"
    assert _timeless(fast.to_json()) == _timeless(slow.to_json())


def _timeless(o):
    """JSON without its timings (``seconds`` at any depth) and the path the fits took."""
    if isinstance(o, dict):
        return {k: _timeless(v) for k, v in o.items() if k not in ("seconds", "fits")}
    return [_timeless(v) for v in o] if isinstance(o, list) else o


@pytest.mark.parametrize(("fn", "why"), [
    (ridge_coupled, "its stacks and its own runs differ by up to"),
    (ridge_one_at_a_time, "a stack raised ValueError: expected a 2-D X_train"),
    (ridge_flat, "a stack raised ValueError: a stack of 4 problems gave predictions of shape (12,)"),
])
def test_a_false_declaration_runs_one_by_one_and_says_why(fn, why):
    lrn = as_learner(fn, name=fn.__name__, target="<test>")
    assert lrn.batch is None
    assert lrn.batch_note.startswith("one by one, although declared batched=True") and why in lrn.batch_note
    r = check(fn, seed=0, max_examples=10)
    assert r.fits == lrn.batch_note


def test_stacks_keep_the_order_of_mixed_shapes():
    rng = np.random.default_rng(3)
    problems = [(rng.standard_normal((n, d)), rng.standard_normal(n), rng.standard_normal((2, d)))
                for n, d in ((3, 2), (4, 4), (3, 2), (1, 5), (4, 4), (3, 2))]
    got = stacked(ridge_dual)(problems)
    for (X, y, Xt), p in zip(problems, got, strict=True):
        assert np.array_equal(p, ridge_dual(X, y, Xt))


def test_batched_needs_a_deterministic_learner_and_a_bool():
    with pytest.raises(UsageError, match="deterministic"):
        @learner("invariant", reason="r", batched=True)
        def noisy(X_train, y_train, X_test, *, rng=None):
            return np.zeros(len(X_test))
    with pytest.raises(UsageError, match="True or False"):
        learner("invariant", reason="r", batched="yes")


def test_hyperparameters_set_on_the_call_reach_the_stacks():
    """``eta`` bound by configure must reach the batch path too (else stacks would fit the
    default η while single calls fit the new one)."""
    lrn = as_learner(_builtin("gd"), name="gd", target="algorithms.gd:gd")
    slow = configure(lrn, {"eta": 0.1})
    assert slow.batch is not None and slow.batch_note.startswith("batched: declared")
    rng = np.random.default_rng(5)
    X, y, Xt = rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal((2, 3))
    alone = slow(X, y, Xt)
    assert np.array_equal(slow.batch([(X, y, Xt), (X, y, Xt)])[0], alone)
    assert not np.allclose(lrn(X, y, Xt), alone)  # control: η matters on this problem


def test_a_nan_on_one_side_is_no_agreement():
    from invariance.probe.stacks import gap

    assert gap(np.array([1.0, 2.0]), np.array([1.0, np.nan])) == float("inf")
    assert gap(np.array([1.0, np.nan]), np.array([1.0, np.nan])) == 0.0


STACKS: list[np.ndarray] = []  # the labels of every stack ties_nn_stacked is given


def _ties_nn(X_train, y_train, X_test, shift_jitter_stacks: float = 0.0):
    """tests/learners/controls.nearest_neighbour_exact_ties on one problem or, looping, on a stack: its ±1
    twin violations go through the twin controls (a label jitter does not move a tie-break). With
    ``shift_jitter_stacks`` a stack of 14 or more problems on at most two training sets (what the label
    jitters of one twin make) has its predictions moved by that much: a coupling the batching probe, whose
    stacks hold at most 4 problems, cannot see."""
    from learners.controls import nearest_neighbour_exact_ties

    X, y, Xt = (np.asarray(a, dtype=np.float64) for a in (X_train, y_train, X_test))
    if X.ndim == 2:
        return nearest_neighbour_exact_ties(X, y, Xt)
    STACKS.append(y)
    out = np.stack([nearest_neighbour_exact_ties(*p) for p in zip(X, y, Xt, strict=True)])
    if len(X) >= 14 and len({x.tobytes() for x in X}) <= 2:
        out = out + shift_jitter_stacks
    return out


@learner("not-invariant", reason="1-NN by |inner product|, exact ties broken by the first coordinate", batched=True)
def ties_nn_stacked(X_train, y_train, X_test):
    return _ties_nn(X_train, y_train, X_test)


@learner("not-invariant", reason="as ties_nn_stacked", batched=True)
def ties_nn_shifted_jitters(X_train, y_train, X_test):
    """A false declaration the probe misses: the stack of one twin's label jitters is moved by 1."""
    return _ties_nn(X_train, y_train, X_test, shift_jitter_stacks=1.0)


def _served_in(monkeypatch, method: str) -> list[list[bool]]:
    """For every call of ``PropertyRun.<method>``, whether each fit it asked for came from a batch."""
    from invariance.probe import call
    from invariance.search.run import PropertyRun

    calls: list[list[bool]] = []
    inside = [False]
    real_method, real_predict = getattr(PropertyRun, method), call.Caller.predict

    def wrapped(self, *a, **k):
        calls.append([])
        inside[0] = True
        try:
            return real_method(self, *a, **k)
        finally:
            inside[0] = False

    def predict(self, *a, **k):
        out = real_predict(self, *a, **k)
        if inside[0]:
            calls[-1].append(self.tally.cached)
        return out

    monkeypatch.setattr(PropertyRun, method, wrapped)
    monkeypatch.setattr(call.Caller, "predict", predict)
    return calls


def test_the_twin_controls_label_jitters_are_fitted_in_one_batch(monkeypatch):
    """A twin violation that a label jitter does not excuse tries every jitter draw: the draws after the
    first are fitted ahead in one stack (labels a rounding-level jitter apart on the same inputs) and asked
    for from it, and the JSON is that of one by one."""
    STACKS.clear()
    served = _served_in(monkeypatch, "_permutation_control")
    fast = check(ties_nn_stacked, seed=0, max_examples=30)
    jittered = [ys for ys in STACKS if len(ys) > 1 and any(
        not np.array_equal(a, b) and np.allclose(a, b, rtol=1e-10, atol=0) for a, b in itertools.pairwise(ys))]
    assert fast.verdict is not None and fast.verdict.value == "not-invariant", fast.message
    assert fast.counterexamples["pm1"].family == "gram-twin"
    assert jittered, "no stack of jittered labels"
    # the first draw's two fits run on their own; every later draw's come from the batch
    assert served and all(len(c) == 2 * judge.JITTER_DRAWS and not any(c[:2]) and all(c[2:]) for c in served), served
    monkeypatch.setenv("INVCHECK_BATCH", "0")
    slow = check(ties_nn_stacked, seed=0, max_examples=30)
    assert _timeless(fast.to_json()) == _timeless(slow.to_json())


def test_an_excuse_from_a_batched_jitter_is_rerun_on_its_own(monkeypatch):
    """Negative control of the safety net: the stacks of a twin's label jitters are moved by 1, which would
    excuse every twin violation (a jitter "moves" the tie-break). An excuse that rests on batched fits is
    re-run on their own runs: they differ, batching is turned off for the rest of the check (said in
    ``fits``), and the violation stands."""
    lrn = as_learner(ties_nn_shifted_jitters, name="t", target="<test>")
    assert lrn.batch is not None  # the probe does not see it
    r = check(ties_nn_shifted_jitters, seed=0, max_examples=30)
    assert r.verdict is not None and r.verdict.value == "not-invariant", r.message
    assert "differed from its own run" in (r.fits or ""), r.fits


def test_the_gaussian_controls_fits_come_from_one_batch(monkeypatch):
    """A twin's rounding noise is measured on Gaussian problems of its size (three fits per probe): for a
    batching learner they are fitted ahead together, so that every fit the Gaussian control asks for is
    served from a batch, and the JSON is that of one by one."""
    served = _served_in(monkeypatch, "_gaussian_noise")
    fast = check(ties_nn_stacked, seed=0, max_examples=30)
    flat = [s for c in served for s in c]
    assert flat and all(flat), served
    monkeypatch.setenv("INVCHECK_BATCH", "0")
    slow = check(ties_nn_stacked, seed=0, max_examples=30)
    assert _timeless(fast.to_json()) == _timeless(slow.to_json())
