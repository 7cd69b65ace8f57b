"""JAX/optax optimizers through the optax adapter: the same online protocol, the same verdicts."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

optax = pytest.importorskip("optax")

from conftest import ROOT  # noqa: E402

import invariance  # noqa: E402
from invariance.errors import UsageError  # noqa: E402
from invariance.targets import load  # noqa: E402

FAST = {"max_examples": 20}


def test_optax_sgd_is_invariant():
    r = invariance.check("optax:sgd", **FAST)
    assert r.diagnosis is None and r.verdict.value == "invariant", r.message


def test_optax_adam_is_pm1_invariant():
    r = invariance.check("optax:adam", **FAST)
    assert r.diagnosis is None and r.verdict.value == "pm1-invariant", r.message


def test_optax_sgd_equals_gradient_descent_by_hand():
    """Control: the adapter's protocol is the torch adapter's — one example a step, 3 passes, W = 0."""
    (lrn,) = load("optax:sgd", options={"lr": 0.1})
    rng = np.random.default_rng(0)
    X, y, Xt = rng.standard_normal((5, 3)), rng.standard_normal(5), rng.standard_normal((2, 3))
    w = np.zeros(3)
    for _ in range(3):
        for x, t in zip(X, y, strict=True):
            w -= 0.1 * (w @ x - t) * x
    np.testing.assert_allclose(lrn(X, y, Xt), Xt @ w, rtol=1e-12)


def test_opt_keywords_reach_the_factory_and_bad_ones_are_usage_errors():
    (lrn,) = load("optax:sgd", options={"optimizer_kwargs": {"momentum": 0.9}})
    assert "momentum" in lrn.options["description"]
    with pytest.raises(UsageError, match="rejected"):
        load("optax:sgd", options={"optimizer_kwargs": {"momentun": 0.9}})
    with pytest.raises(UsageError, match="linear neuron or a linear layer"):
        load("optax:adam", options={"model": "mlp"})


def test_a_numpy_check_imports_neither_jax_nor_optax():
    code = ("import sys; from invariance.cli import main; main(['algorithms.least_squares', '--max-examples', '5']);"
            "print(sorted(m for m in ('jax', 'optax', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


# --------------------------------------------------- working precision and exact arithmetic (issue 17)


def _optax_learner(factory, **kwargs):
    from invariance.adapters.optax import learner_from_optax

    return learner_from_optax(factory, name="opt", target="<test>:opt", options={"optimizer_kwargs": kwargs})


def _problem(h=None):
    rng = np.random.default_rng(3)
    X, Xt = rng.standard_normal((7, 4)), rng.standard_normal((3, 4))
    y = rng.standard_normal((7, h)) if h else rng.standard_normal(7)
    return X, y, Xt


@pytest.mark.parametrize("name", ["sgd", "adam", "adagrad", "rmsprop"])
def test_optax_float64_optimizers_have_no_reduced_precision(name):
    lrn = _optax_learner(getattr(optax, name))
    assert lrn.precision is None and lrn.exact is None and lrn.exact_note is None, lrn.precision_note


def test_a_bfloat16_first_moment_is_detected_in_the_jaxpr_and_rewritten():
    import jax.numpy as jnp

    lrn = _optax_learner(optax.adam, mu_dtype=jnp.bfloat16)
    assert lrn.precision == "bfloat16" and "convert_element_type" in lrn.precision_note
    assert lrn.exact is not None and "rewritten to float64" in lrn.exact_note
    X, y, Xt = _problem()
    want = _optax_learner(optax.adam)(X, y, Xt)  # mu_dtype=None: the first moment in float64
    np.testing.assert_allclose(lrn.exact(X, y, Xt), want, rtol=1e-12, atol=1e-15)
    assert np.abs(lrn(X, y, Xt) - want).max() > 1e-6
    assert lrn.exact.precision is None and lrn.exact.options == lrn.options


@pytest.mark.parametrize("factory, kwargs, precision", [
    ("sgd", {"momentum": 0.9, "accumulator_dtype": "float16"}, "float16"),
    ("adamw", {"mu_dtype": "float32"}, "float32"),
])
def test_other_coarse_dtypes_and_a_layer(factory, kwargs, precision):
    import jax.numpy as jnp

    kw = {k: (getattr(jnp, v) if k.endswith("dtype") else v) for k, v in kwargs.items()}
    from invariance.adapters.optax import learner_from_optax

    lrn = learner_from_optax(getattr(optax, factory), name="opt", target="<test>:opt",
                             options={"optimizer_kwargs": kw, "model": "layer", "outputs": 2})
    assert lrn.precision == precision and lrn.exact is not None, lrn.exact_note
    ref = learner_from_optax(getattr(optax, factory), name="opt", target="<test>:opt",
                             options={"optimizer_kwargs": {k: (None if k.endswith("dtype") else v)
                                                           for k, v in kw.items()},
                                      "model": "layer", "outputs": 2})
    X, Y, Xt = _problem(2)
    np.testing.assert_allclose(lrn.exact(X, Y, Xt), ref(X, Y, Xt), rtol=1e-12, atol=1e-15)


def callback_sgd(learning_rate: float = 0.1):
    """SGD whose gradient is rounded to float32 by a host callback: the jaxpr shows the float32 value,
    but no cast in it makes it, so nothing can be rewritten."""
    import jax
    import jax.numpy as jnp

    def init(params):
        return optax.EmptyState()

    def update(g, state, params=None):
        g32 = jax.pure_callback(lambda a: np.asarray(a, np.float32), jax.ShapeDtypeStruct(g.shape, jnp.float32), g)
        return -learning_rate * g32.astype(jnp.float64), state

    return optax.GradientTransformation(init, update)


def test_a_float32_value_from_a_callback_cannot_be_made_exact():
    lrn = _optax_learner(callback_sgd)
    assert lrn.precision == "float32" and "pure_callback" in lrn.precision_note
    assert (lrn.exact is None and "still appears in pure_callback" in lrn.exact_note
            and "float32 allowance" in lrn.exact_note)
    X, y, Xt = _problem()
    assert np.all(np.isfinite(lrn(X, y, Xt)))
