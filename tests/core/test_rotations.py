"""Tests of invariance.data.rotations: the orthogonal constructions and their descriptions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from invariance.data import rotations

DIMS = st.integers(1, 16)
SEEDS = st.integers(0, 2**32 - 1)


def is_orthogonal(U: np.ndarray, tol: float = 1e-12) -> bool:
    d = U.shape[0]
    return (U.shape == (d, d) and np.max(np.abs(U @ U.T - np.eye(d))) <= tol
            and np.max(np.abs(U.T @ U - np.eye(d))) <= tol)


# ------------------------------------------------------------------------------------------- haar


@given(d=DIMS, seed=SEEDS)
def test_haar_is_orthogonal(d, seed):
    U = rotations.haar(np.random.default_rng(seed), d)
    assert is_orthogonal(U)
    assert rotations.orthogonality_error(U) <= 1e-12


def test_haar_covers_both_components_of_O_d():
    """Haar on O(d), not SO(d): both determinants occur, about equally often."""
    rng = np.random.default_rng(0)
    dets = np.array([np.linalg.det(rotations.haar(rng, 3)) for _ in range(400)])
    assert np.allclose(np.abs(dets), 1.0)
    assert 120 < np.sum(dets < 0) < 280


def test_haar_sign_fix_makes_the_distribution_invariant():
    """Without the sign fix the diagonal of QR's Q is biased; with it E[U_11] = 0."""
    rng = np.random.default_rng(1)
    first = np.array([rotations.haar(rng, 4)[0, 0] for _ in range(2000)])
    assert abs(first.mean()) < 0.05  # unfixed QR gives a mean near −0.38 (Householder sign)


def test_haar_is_reproducible_from_the_generator():
    a = rotations.haar(np.random.default_rng(7), 5)
    b = rotations.haar(np.random.default_rng(7), 5)
    assert np.array_equal(a, b)


# ---------------------------------------------------------------------------------------- givens


@given(d=st.integers(2, 16), data=st.data(), theta=st.floats(-10, 10, allow_nan=False))
def test_givens_rotates_one_plane(d, data, theta):
    i = data.draw(st.integers(0, d - 1))
    j = data.draw(st.integers(0, d - 1).filter(lambda j: j != i))
    G = rotations.givens(d, i, j, theta)
    assert is_orthogonal(G)
    assert np.linalg.det(G) == pytest.approx(1.0)
    x = np.arange(1.0, d + 1.0)
    y = G @ x
    others = [k for k in range(d) if k not in (i, j)]
    assert np.array_equal(y[others], x[others])
    assert y[i] == pytest.approx(math.cos(theta) * x[i] - math.sin(theta) * x[j])
    assert y[j] == pytest.approx(math.sin(theta) * x[i] + math.cos(theta) * x[j])


@pytest.mark.parametrize("d, i, j", [(2, 0, 0), (3, 0, 3), (3, -1, 1), (1, 0, 1)])
def test_givens_rejects_a_bad_plane(d, i, j):
    with pytest.raises(ValueError, match="plane"):
        rotations.givens(d, i, j, 0.3)


# ----------------------------------------------------------------------------------- householder


@given(v=st.lists(st.integers(-3, 3), min_size=1, max_size=16).filter(any))
def test_householder_is_a_reflection(v):
    v = np.array(v, dtype=float)
    H = rotations.householder(v)
    assert is_orthogonal(H)
    assert np.allclose(H, H.T)
    assert np.linalg.det(H) == pytest.approx(-1.0)
    assert np.allclose(H @ v, -v)


def test_householder_rejects_zero():
    with pytest.raises(ValueError, match="non-zero"):
        rotations.householder(np.zeros(3))


# ---------------------------------------------------------------------------- signed permutation


@given(data=st.data(), d=DIMS)
def test_signed_permutation_moves_coordinates(data, d):
    perm = np.array(data.draw(st.permutations(range(d))))
    signs = np.array(data.draw(st.lists(st.sampled_from((-1.0, 1.0)), min_size=d, max_size=d)))
    U = rotations.signed_permutation(perm, signs)
    assert is_orthogonal(U, tol=0.0)
    x = np.arange(1.0, d + 1.0)
    y = U @ x
    for k in range(d):
        assert y[perm[k]] == signs[k] * x[k]


# ------------------------------------------------------------------------------------ procrustes


@given(d=st.integers(1, 10), extra=st.integers(0, 6), seed=SEEDS)
def test_procrustes_recovers_a_rotation_of_full_rank_data(d, extra, seed):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((d + extra, d))
    U = rotations.haar(rng, d)
    V = rotations.procrustes(Z, Z @ U.T)
    assert is_orthogonal(V, tol=1e-10)
    assert np.allclose(V, U, atol=1e-8)


def test_procrustes_of_rank_deficient_data_still_maps_one_onto_the_other():
    Z = np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0]])  # rank 1: U is not unique, Z Uᵀ = Z′ still holds
    U = rotations.givens(3, 0, 2, 0.7)
    V = rotations.procrustes(Z, Z @ U.T)
    assert is_orthogonal(V, tol=1e-10)
    assert np.allclose(Z @ V.T, Z @ U.T, atol=1e-12)


def test_orthogonality_error():
    assert rotations.orthogonality_error(np.eye(3)) == 0.0
    assert rotations.orthogonality_error(np.zeros((0, 0))) == 0.0
    assert rotations.orthogonality_error(2 * np.eye(2)) == pytest.approx(3.0)


# -------------------------------------------------------------------------------------- describe


@pytest.mark.parametrize(
    "U, expected",
    [
        pytest.param(np.array([[-1.0]]), "reflection of R¹", id="d1-reflection"),
        pytest.param(np.array([[1.0]]), "[[1]]", id="d1-identity"),
        pytest.param(rotations.givens(3, 0, 2, 0.5), "Givens rotation in plane (0, 2) by θ = 0.5 rad", id="givens"),
        pytest.param(rotations.givens(5, 1, 3, -0.25), "Givens rotation in plane (1, 3) by θ = -0.25 rad",
                     id="givens-neg"),
        pytest.param(rotations.signed_permutation(np.array([1, 0, 2]), np.ones(3)), "permutation: x[k] ↦ x[[1, 0, 2]]",
                     id="permutation"),
        pytest.param(
            rotations.signed_permutation(np.array([2, 0, 1]), np.array([1.0, -1.0, 1.0])), "signed permutation",
            id="signed-permutation",
        ),
        pytest.param(rotations.signed_permutation(np.arange(3), np.array([1.0, -1.0, 1.0])), "sign flips",
                     id="sign-flips"),
        pytest.param(rotations.householder(np.array([1.0, 2.0, 0.0])),
                     "Householder reflection along v = [0.5, 1.0, 0.0]", id="householder"),
        pytest.param(rotations.haar(np.random.default_rng(3), 4), "general orthogonal matrix of R^4", id="general"),
    ],
)
def test_describe_recognises_the_simple_shapes(U, expected):
    text = rotations.describe(U)
    assert expected in text
    assert "\n" not in text


def test_describe_permutation_is_not_called_signed():
    text = rotations.describe(rotations.signed_permutation(np.array([1, 0]), np.ones(2)))
    assert text.startswith("permutation")
