"""JAX/optax optimizers through the optax adapter: the same online protocol, the same verdicts."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

optax = pytest.importorskip("optax")

import invariance  # noqa: E402
from invariance.errors import UsageError  # noqa: E402
from invariance.targets import load  # noqa: E402

from conftest import ROOT  # noqa: E402

FAST = {"max_examples": 20}


def test_optax_sgd_is_invariant():
    r = invariance.check("optax:sgd", **FAST)
    assert r.diagnosis is None and r.verdict.value == "invariant", r.message


def test_optax_adam_is_pm1_invariant():
    r = invariance.check("optax:adam", **FAST)
    assert r.diagnosis is None and r.verdict.value == "pm1-invariant", r.message


def test_optax_sgd_equals_gradient_descent_by_hand():
    """Control: the adapter's protocol is the torch adapter's — one example a step, 3 passes, W = 0."""
    (l,) = load("optax:sgd", options={"lr": 0.1})
    rng = np.random.default_rng(0)
    X, y, Xt = rng.standard_normal((5, 3)), rng.standard_normal(5), rng.standard_normal((2, 3))
    w = np.zeros(3)
    for _ in range(3):
        for x, t in zip(X, y):
            w -= 0.1 * (w @ x - t) * x
    np.testing.assert_allclose(l(X, y, Xt), Xt @ w, rtol=1e-12)


def test_opt_keywords_reach_the_factory_and_bad_ones_are_usage_errors():
    (l,) = load("optax:sgd", options={"optimizer_kwargs": {"momentum": 0.9}})
    assert "momentum" in l.options["description"]
    with pytest.raises(UsageError, match="rejected"):
        load("optax:sgd", options={"optimizer_kwargs": {"momentun": 0.9}})
    with pytest.raises(UsageError, match="linear neuron or a linear layer"):
        load("optax:adam", options={"model": "mlp"})


def test_a_numpy_check_imports_neither_jax_nor_optax():
    code = ("import sys; from invariance.cli import main; main(['algorithms.least_squares', '--max-examples', '5']);"
            "print(sorted(m for m in ('jax', 'optax', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
