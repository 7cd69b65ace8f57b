"""Tests of invariance.data.twins: Sylvester Hadamard matrices, switching, and the trivial-twin test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from invariance.data import rotations, twins

H4 = twins.sylvester(4)
#: the minimal non-trivial twin: H₄ against H₄ with row 0 (class 0) negated on all four columns
Z_MIN, Z_MIN_TWIN = twins.switch(np.ones((4, 4)), np.arange(4), np.arange(4), np.ones(4), 0)


@pytest.mark.parametrize("k", [1, 2, 4, 8, 16, 32])
def test_sylvester_is_hadamard(k):
    H = twins.sylvester(k)
    assert H.shape == (k, k)
    assert set(np.unique(H)) <= {-1.0, 1.0}
    assert np.array_equal(H @ H.T, k * np.eye(k))


@pytest.mark.parametrize("k", [0, 3, 6, 12, -4])
def test_sylvester_rejects_orders_that_are_not_powers_of_two(k):
    with pytest.raises(ValueError, match="power of two"):
        twins.sylvester(k)


def test_minimal_twin_is_the_expected_pair():
    assert np.array_equal(Z_MIN, H4)
    expected = H4.copy()
    expected[0] *= -1
    assert np.array_equal(Z_MIN_TWIN, expected)
    assert np.array_equal(Z_MIN @ Z_MIN.T, Z_MIN_TWIN @ Z_MIN_TWIN.T)


def test_minimal_twin_is_not_a_signed_column_permutation():
    """Columns of H₄ have an even number of −1s; after the switch every column has an odd number."""
    assert not twins.is_signed_column_permutation(Z_MIN, Z_MIN_TWIN)
    assert not twins.is_signed_column_permutation(Z_MIN_TWIN, Z_MIN)


@st.composite
def switchings(draw):
    k = draw(st.sampled_from((4, 8, 16)))
    d = k + draw(st.integers(0, 6))
    rows = draw(st.integers(1, 20))
    columns = np.array(draw(st.permutations(range(d))))[:k]
    classes = np.array(draw(st.lists(st.integers(0, k - 1), min_size=rows, max_size=rows)))
    signs = np.array(draw(st.lists(st.sampled_from((-1.0, 1.0)), min_size=rows, max_size=rows)))
    free = np.array(draw(st.lists(st.sampled_from((-1.0, 1.0)), min_size=rows * d, max_size=rows * d))).reshape(rows, d)
    flip = draw(st.integers(0, k - 1))
    return free, columns, classes, signs, flip


@given(switchings())
def test_switching_preserves_every_inner_product(args):
    free, columns, classes, signs, flip = args
    Z, Z2 = twins.switch(free, columns, classes, signs, flip)
    assert set(np.unique(Z)) <= {-1.0, 1.0} and set(np.unique(Z2)) <= {-1.0, 1.0}
    assert np.array_equal(Z @ Z.T, Z2 @ Z2.T)  # integers: exact
    others = np.setdiff1d(np.arange(Z.shape[1]), columns)
    assert np.array_equal(Z[:, others], free[:, others])  # free columns untouched
    assert np.array_equal(Z2[:, others], Z[:, others])
    flipped = classes == flip
    assert np.array_equal(Z2[np.ix_(flipped, columns)], -Z[np.ix_(flipped, columns)])
    assert np.array_equal(Z2[~flipped], Z[~flipped])


def test_switch_does_not_modify_its_input():
    free = np.ones((4, 5))
    twins.switch(free, np.arange(4), np.arange(4), np.ones(4), 1)
    assert np.array_equal(free, np.ones((4, 5)))


@st.composite
def matrices_and_signed_permutations(draw):
    n = draw(st.integers(1, 8))
    d = draw(st.integers(1, 10))
    Z = np.array(draw(st.lists(st.integers(-2, 2), min_size=n * d, max_size=n * d)), dtype=float).reshape(n, d)
    perm = np.array(draw(st.permutations(range(d))))
    signs = np.array(draw(st.lists(st.sampled_from((-1.0, 1.0)), min_size=d, max_size=d)))
    return Z, rotations.signed_permutation(perm, signs)


@given(matrices_and_signed_permutations())
def test_a_signed_column_permutation_is_recognised(args):
    Z, PS = args
    assert twins.is_signed_column_permutation(Z, Z @ PS)
    assert twins.is_signed_column_permutation(Z @ PS, Z)
    assert twins.is_signed_column_permutation(Z, Z)


@given(matrices_and_signed_permutations(), st.data())
def test_changing_one_entry_is_not_a_signed_column_permutation(args, data):
    Z, PS = args
    i = data.draw(st.integers(0, Z.shape[0] - 1))
    j = data.draw(st.integers(0, Z.shape[1] - 1))
    W = Z.copy()
    W[i, j] += 5.0  # the column's multiset of |entries| changes, so no signed permutation matches
    assert not twins.is_signed_column_permutation(Z, W @ PS)


def test_shapes_must_agree():
    assert not twins.is_signed_column_permutation(np.ones((2, 3)), np.ones((3, 2)))
    assert not twins.is_signed_column_permutation(np.ones((2, 3)), np.ones((2, 4)))
