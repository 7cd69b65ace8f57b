"""The built-in learners of :mod:`algorithms`: a table of learners crossed with a table of checks.

The invariance checks here are numerical sanity checks of each *declared* verdict, written directly
with NumPy (they do not use the invcheck checker): rotations for ``invariant``, signed permutations
and ±1 Gram twins for ``pm1-invariant``, a found violation for ``not-invariant``. Every random draw
comes from a seeded ``numpy.random.Generator``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys

import numpy as np
import pytest
import scipy.linalg
from conftest import ROOT

import algorithms
from algorithms import _loop
from invariance.contract import declaration_of

# name -> (declared verdict, largest symmetry group on generic data)
EXPECTED = {
    "least_squares": ("invariant", "orthogonal"),
    "vaw": ("invariant", "orthogonal"),
    "gd": ("invariant", "orthogonal"),
    "newton": ("invariant", "orthogonal"),
    "adagrad_full": ("invariant", "orthogonal"),
    "adagrad_diag": ("pm1-invariant", "signed-permutations"),
    "adam": ("pm1-invariant", "signed-permutations"),
    "adagrad_diag_batch": ("not-invariant", "signed-permutations"),
    "egu": ("not-invariant", "permutations"),
    "eg_pm": ("not-invariant", "signed-permutations"),
    "spindly": ("not-invariant", "permutations"),
    "spindly_pm": ("not-invariant", "signed-permutations"),
    "private_lr": ("not-invariant", "permutations"),
    "logistic_gd": ("invariant", "orthogonal"),
    "logistic_uv": ("not-invariant", "signed-permutations"),
}
#: randomised torch learners (take rng), tested in tests/library/test_algorithms_torch.py
RANDOMISED = {"mlp": "invariant-in-distribution", "mlp_spindly": "not-invariant"}
NAMES = sorted(EXPECTED)
BY_VERDICT = {
    v: [n for n in NAMES if EXPECTED[n][0] == v]
    for v in ("invariant", "pm1-invariant", "not-invariant")
}
#: the square-loss iterative learners (the logistic ones fit ±1 labels: tests/curves/test_fitting.py)
ITERATIVE = [n for n in NAMES if n not in ("least_squares", "vaw", "logistic_gd", "logistic_uv")]

SHAPES = [(1, 1, 1), (1, 5, 2), (3, 8, 2), (20, 4, 3), (7, 1, 4), (12, 12, 1), (30, 16, 3)]
ROTATION_TOL = 1e-9  # relative; sound invariant learners sit at 1e-16..1e-12
VIOLATION = 1e-6  # relative deviation that counts as a real violation


def get(name: str):
    return getattr(importlib.import_module(f"algorithms.{name}"), name)


def haar(rng: np.random.Generator, d: int) -> np.ndarray:
    """A Haar-random orthogonal matrix (QR of a Gaussian with the sign fix)."""
    Q, R = np.linalg.qr(rng.standard_normal((d, d)))
    return Q * np.sign(np.diag(R))


def signed_permutation(rng: np.random.Generator, d: int) -> np.ndarray:
    return np.eye(d)[rng.permutation(d)] * rng.choice([-1.0, 1.0], d)


def deviation(f, X, y, Xt, U) -> float:
    """max |ŷ − ŷ′| / max(‖ŷ‖∞, ‖ŷ′‖∞, ‖y‖∞): docs/design.md#tolerance, with ŷ′ from inputs mapped by ``U``."""
    a = f(X, y, Xt)
    b = f(X @ U.T, y, Xt @ U.T)
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), np.max(np.abs(y)), 1e-300)
    return float(np.max(np.abs(a - b)) / scale)


def twin_deviation(f, Z, Z2, n, y) -> float:
    a = f(Z[:n], y, Z[n:])
    b = f(Z2[:n], y, Z2[n:])
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), np.max(np.abs(y)), 1e-300)
    return float(np.max(np.abs(a - b)) / scale)


def gram_twins(rng: np.random.Generator, rows: int, d: int, k: int = 4):
    """±1 matrices Z, Z′ with ZZᵀ = Z′Z′ᵀ that are not a signed column permutation of each other.

    Switching (docs/design.md#gram-twins): on k columns K every row is a signed row of H_k; negating Z[R, K] for the
    rows R of one Hadamard class changes no inner product between rows.
    """
    H = scipy.linalg.hadamard(k).astype(float)
    while True:
        Z = rng.choice([-1.0, 1.0], (rows, d))
        K = rng.choice(d, k, replace=False)
        cls = rng.integers(0, k, rows)
        Z[:, K] = rng.choice([-1.0, 1.0], rows)[:, None] * H[cls]
        R = cls == cls[0]
        if R.all():
            continue
        Z2 = Z.copy()
        Z2[np.ix_(R, K)] *= -1.0

        def canon(M):  # columns up to sign, as a multiset
            return sorted(map(tuple, (M * M[0]).T))

        if canon(Z) != canon(Z2):
            return Z, Z2


def data(rng: np.random.Generator, n: int, d: int, m: int):
    return rng.standard_normal((n, d)), rng.standard_normal(n), rng.standard_normal((m, d))


# ------------------------------------------------------------------- the table itself


def test_table_lists_every_module():
    modules = pkgutil.iter_modules(algorithms.__path__)
    found = {m.name for m in modules if not m.name.startswith("_")}
    assert found == set(EXPECTED) | set(RANDOMISED)


@pytest.mark.parametrize("name", NAMES)
def test_registered_with_declared_verdict(name):
    f = get(name)
    decl = declaration_of(f)
    assert decl is not None, f"{name} is not decorated with @learner"
    assert decl.verdict.value == EXPECTED[name][0]
    assert decl.reason
    assert f.__doc__ and importlib.import_module(f"algorithms.{name}").__doc__


@pytest.mark.parametrize("name", NAMES)
def test_signature_is_the_contract(name):
    params = list(inspect.signature(get(name)).parameters.values())
    assert [p.name for p in params[:3]] == ["X_train", "y_train", "X_test"]
    for p in params[3:]:
        assert p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is not inspect.Parameter.empty
        assert p.name != "rng"
    if name in ITERATIVE:
        assert {"eta", "passes"} <= {p.name for p in params}


def test_package_init_imports_no_learner():
    code = "import algorithms, sys; print([m for m in sys.modules if m.startswith('algorithms.')])"
    root = ROOT
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         env={"PYTHONPATH": str(root)}, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------- the contract


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "n{}-d{}-m{}".format(*s))
@pytest.mark.parametrize("name", NAMES)
def test_shape_dtype_finite(name, shape):
    X, y, Xt = data(np.random.default_rng(10_000 * shape[0] + 100 * shape[1] + shape[2]), *shape)
    out = get(name)(X, y, Xt)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == (shape[2],)
    assert np.all(np.isfinite(out))


def degenerate_cases():
    rng = np.random.default_rng(7)
    X = rng.uniform(-10, 10, (6, 5))
    yield "repeated-rows", np.repeat(X[:1], 6, 0), rng.uniform(-10, 10, 6), X[:2]
    Z = X.copy()
    Z[[1, 3]] = 0.0
    yield "zero-rows", Z, rng.uniform(-10, 10, 6), np.vstack([X[:1], np.zeros((1, 5))])
    yield "all-zero-X", np.zeros((4, 3)), rng.uniform(-10, 10, 4), rng.uniform(-10, 10, (2, 3))
    yield "all-zero-y", X, np.zeros(6), X[:3]

    def ints(*shape):
        return rng.integers(-10, 11, shape).astype(float)

    yield "integers", ints(9, 4), ints(9), X[:2, :4]

    def pm1(*shape):
        return rng.choice([-1.0, 1.0], shape)

    yield "pm1", pm1(5, 8), pm1(5), pm1(3, 8)
    yield "mixed-scales", X * np.logspace(-4, 1, 5), rng.uniform(-10, 10, 6), X[:2]
    Xd1 = rng.uniform(-10, 10, (8, 1))
    yield "d1-large", Xd1, rng.uniform(-10, 10, 8), np.array([[10.0], [-10.0]])
    yield "tiny", 1e-6 * X, 1e-6 * rng.standard_normal(6), X[:2]


@pytest.mark.parametrize("case", list(degenerate_cases()), ids=lambda c: c[0])
@pytest.mark.parametrize("name", NAMES)
def test_degenerate_inputs_give_finite_predictions(name, case):
    _, X, y, Xt = case
    out = get(name)(X, y, Xt)
    assert out.shape == (len(Xt),) and out.dtype == np.float64
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("name", NAMES)
def test_finite_on_inputs_up_to_ten(name):
    rng = np.random.default_rng(11)
    f = get(name)
    for _ in range(25):
        n, d, m = rng.integers(1, 31), rng.integers(1, 17), rng.integers(1, 4)
        X = rng.uniform(-10, 10, (n, d))
        out = f(X, rng.uniform(-10, 10, n), rng.uniform(-10, 10, (m, d)))
        assert np.all(np.isfinite(out)), (n, d, m)


@pytest.mark.parametrize("name", NAMES)
def test_inputs_not_mutated(name):
    X, y, Xt = data(np.random.default_rng(3), 9, 5, 3)
    copies = X.copy(), y.copy(), Xt.copy()
    for flag in (True, False):  # also with read-only inputs: a learner must not write to them
        for a in (X, y, Xt):
            a.flags.writeable = not flag
        get(name)(X, y, Xt)
    for a, c in zip((X, y, Xt), copies, strict=True):
        assert np.array_equal(a, c)


@pytest.mark.parametrize("name", NAMES)
def test_deterministic(name):
    X, y, Xt = data(np.random.default_rng(4), 10, 6, 3)
    f = get(name)
    assert np.array_equal(f(X, y, Xt), f(X.copy(), y.copy(), Xt.copy()))


@pytest.mark.parametrize("name", NAMES)
def test_accepts_lists(name):
    X, y, Xt = data(np.random.default_rng(5), 4, 3, 2)
    assert np.array_equal(get(name)(X.tolist(), y.tolist(), Xt.tolist()), get(name)(X, y, Xt))


# ------------------------------------------------------------------- what each learner computes


@pytest.mark.parametrize("n,d", [(1, 1), (1, 6), (3, 8), (5, 5), (4, 12)])
def test_least_squares_interpolates_when_n_at_most_d(n, d):
    X, y, _ = data(np.random.default_rng(n * 100 + d), n, d, 1)
    np.testing.assert_allclose(get("least_squares")(X, y, X), y, rtol=1e-9, atol=1e-9)


def test_least_squares_is_minimum_norm():
    X, y, Xt = data(np.random.default_rng(8), 3, 7, 4)
    want = Xt @ np.linalg.pinv(X) @ y
    np.testing.assert_allclose(get("least_squares")(X, y, Xt), want, rtol=1e-10)


def test_vaw_matches_its_formula():
    X, y, Xt = data(np.random.default_rng(9), 6, 4, 3)
    eps = 0.7
    want = [x @ np.linalg.inv(eps * np.eye(4) + X.T @ X + np.outer(x, x)) @ X.T @ y for x in Xt]
    np.testing.assert_allclose(get("vaw")(X, y, Xt, eps=eps), want, rtol=1e-12)


def small_problem(seed: int = 12):
    """n = 12 examples in d = 4 with y = X w*, w* > 0 (positive-weight learners can fit it too)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((12, 4))
    return X, X @ rng.uniform(0.5, 2.0, 4)


@pytest.mark.parametrize("name", ITERATIVE)
def test_defaults_converge_on_small_data(name):
    f = get(name)
    X, y = small_problem()

    def rel(**kw):
        return float(np.mean((f(X, y, X, **kw) - y) ** 2) / np.mean(y**2))

    passes = inspect.signature(f).parameters["passes"].default
    assert rel() < 0.05
    assert rel(passes=4 * passes) < 0.5 * rel() or rel(passes=4 * passes) < 1e-8


def test_adagrad_diag_batch_is_adagrad_diag_with_batch_gradients():
    """d = 1, n = 1: one example is the whole batch, so the two orders coincide pass for pass."""
    X, y, Xt = data(np.random.default_rng(13), 1, 3, 2)
    a = get("adagrad_diag")(X, y, Xt, passes=7)
    b = get("adagrad_diag_batch")(X, y, Xt, passes=7)
    np.testing.assert_allclose(a, b, rtol=1e-12)


PARAMS = {
    "identity": (_loop.IDENTITY, 1),
    "spindly": (importlib.import_module("algorithms.spindly").SPINDLY, 1),
    "spindly_pm": (importlib.import_module("algorithms.spindly_pm").SPINDLY_PM, 2),
    "eg_pm": (importlib.import_module("algorithms.eg_pm").PLUS_MINUS, 2),
}


@pytest.mark.parametrize("which", sorted(PARAMS))
def test_parametrisation_derivatives(which):
    param, k = PARAMS[which]
    rng = np.random.default_rng(14)
    p, dp, g = rng.standard_normal((k, 5)), rng.standard_normal((k, 5)), rng.standard_normal(5)
    h = 1e-6
    fd = (param.weights(p + h * dp) - param.weights(p - h * dp)) / (2 * h)
    np.testing.assert_allclose(param.jvp(p, dp), fd, rtol=1e-6, atol=1e-8)
    assert param.vjp(p, g).shape == (k, 5)
    np.testing.assert_allclose(np.sum(param.vjp(p, g) * dp), g @ param.jvp(p, dp), rtol=1e-12)


def test_overshoot_guard_stops_at_the_label():
    """One step of a huge learning rate lands exactly on the example's label, never beyond it."""
    x = np.array([[0.5, -1.0, 2.0]])
    out = _loop.fit_predict(x, [3.0], x, _loop.sgd(1e6), p0=np.zeros((1, 3)))
    np.testing.assert_allclose(out, [3.0], rtol=1e-12)
    free = _loop.fit_predict(x, [3.0], x, _loop.sgd(1e6), p0=np.zeros((1, 3)), guard=False)
    assert abs(free[0]) > 1e3


# ------------------------------------------------------------------- the declared verdicts


def rotation_deviations(f, seed: int):
    """Relative deviations under two Haar-random U for each of a few (n, d, m)."""
    rng = np.random.default_rng(seed)
    for n, d, m in [(5, 3, 2), (3, 7, 3), (12, 4, 2), (1, 2, 1), (8, 8, 2)]:
        X, y, Xt = data(rng, n, d, m)
        for _ in range(2):
            yield (n, d, m), deviation(f, X, y, Xt, haar(rng, d))


@pytest.mark.parametrize("name", BY_VERDICT["invariant"])
def test_invariant_learners_are_rotation_invariant(name):
    f = get(name)
    for shape, dev in rotation_deviations(f, seed=20):
        assert dev <= ROTATION_TOL, (shape, dev)


@pytest.mark.parametrize("name", BY_VERDICT["invariant"])
def test_invariant_learners_survive_degenerate_data(name):
    """Rank-deficient and repeated data must not turn rounding into a violation."""
    f = get(name)
    rng = np.random.default_rng(21)
    for _, X, y, Xt in degenerate_cases():
        if not np.any(y):
            continue
        d = X.shape[1]
        for _ in range(2):
            assert deviation(f, X, y, Xt, haar(rng, d)) <= ROTATION_TOL


@pytest.mark.parametrize("name", BY_VERDICT["pm1-invariant"] + BY_VERDICT["not-invariant"])
def test_other_learners_violate_rotation_invariance(name):
    devs = [dev for _, dev in rotation_deviations(get(name), seed=22)]
    assert max(devs) > VIOLATION


@pytest.mark.parametrize("name", BY_VERDICT["invariant"] + BY_VERDICT["pm1-invariant"])
def test_invariant_on_pm1_data_under_signed_permutations(name):
    f = get(name)
    rng = np.random.default_rng(23)
    for n, d, m in [(4, 6, 2), (10, 3, 3), (1, 5, 1), (6, 6, 2)]:
        Z = rng.choice([-1.0, 1.0], (n + m, d))
        y = rng.standard_normal(n)
        assert deviation(f, Z[:n], y, Z[n:], signed_permutation(rng, d)) <= ROTATION_TOL


@pytest.mark.parametrize("name", BY_VERDICT["invariant"] + BY_VERDICT["pm1-invariant"])
def test_invariant_on_pm1_gram_twins(name):
    f = get(name)
    rng = np.random.default_rng(24)
    for rows, d, n in [(4, 4, 3), (6, 5, 4), (9, 8, 6), (12, 12, 10)]:
        Z, Z2 = gram_twins(rng, rows, d)
        np.testing.assert_array_equal(Z @ Z.T, Z2 @ Z2.T)
        assert twin_deviation(f, Z, Z2, n, rng.standard_normal(n)) <= ROTATION_TOL


@pytest.mark.parametrize("name", BY_VERDICT["not-invariant"])
def test_not_invariant_learners_fail_on_pm1_gram_twins(name):
    f = get(name)
    rng = np.random.default_rng(25)
    devs = []
    for _ in range(12):
        Z, Z2 = gram_twins(rng, 8, 6)
        devs.append(twin_deviation(f, Z, Z2, 6, rng.standard_normal(6)))
    assert max(devs) > VIOLATION


@pytest.mark.parametrize("name", NAMES)
def test_symmetry_group_on_generic_data(name):
    """Every learner is coordinatewise; sign flips are exact symmetries unless weights are > 0."""
    f = get(name)
    group = EXPECTED[name][1]
    rng = np.random.default_rng(26)
    perm_devs, flip_devs = [], []
    for n, d, m in [(6, 4, 2), (3, 7, 2), (10, 3, 3)]:
        X, y, Xt = data(rng, n, d, m)
        perm_devs.append(deviation(f, X, y, Xt, np.eye(d)[rng.permutation(d)]))
        flip_devs.append(deviation(f, X, y, Xt, np.diag(rng.choice([-1.0, 1.0], d))))
    assert max(perm_devs) <= ROTATION_TOL
    if group == "permutations":
        assert max(flip_devs) > VIOLATION
    else:
        assert max(flip_devs) <= ROTATION_TOL


def test_negative_control_a_small_coordinate_term_is_caught():
    """The rotation check above has power: GD plus a 1e-4 coordinate term must fail it."""
    gd = get("gd")

    def nudged(X, y, Xt):
        return gd(X, y, Xt) + 1e-4 * Xt[:, 0]

    assert max(dev for _, dev in rotation_deviations(nudged, seed=20)) > VIOLATION
