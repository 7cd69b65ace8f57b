"""Gram twins: ±1 data sets with equal Gram matrices that are not signed column permutations.

Why (docs/design.md#gram-twins): a Haar rotation leaves the ±1 cube, so "invariant on ±1 data" is tested on two ±1
matrices Z, Z′ with Z Zᵀ = Z′ Z′ᵀ. Equal Gram matrices mean Z′ = Z Uᵀ for an orthogonal U
(:func:`invariance.data.rotations.procrustes` recovers it), so an invariant-on-±1 learner must agree.

Construction by switching: on k columns K (k = 4, 8, 16, …) row r holds a signed Hadamard row,
``Z[r, K] = s_r · H_k[c_r]``. Rows of different classes are orthogonal on K, so negating ``Z[R, K]``
for R = the rows of one class changes no inner product. Other columns are free ±1.
"""

from __future__ import annotations

import numpy as np

__all__ = ["sylvester", "switch", "is_signed_column_permutation"]


def sylvester(k: int) -> np.ndarray:
    """The k×k Sylvester Hadamard matrix (k a power of two)."""
    if k < 1 or k & (k - 1):
        raise ValueError(f"Hadamard order must be a power of two, got {k}")
    H = np.ones((1, 1))
    while H.shape[0] < k:
        H = np.block([[H, H], [H, -H]])
    return H


def switch(
    free: np.ndarray,
    columns: np.ndarray,
    classes: np.ndarray,
    signs: np.ndarray,
    flip_class: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (Z, Z′): ``free`` (N×d, ±1) with the switching block written on ``columns``.

    ``classes[r]`` picks the Hadamard row of row r and ``signs[r]`` its sign; Z′ negates the block
    of every row whose class is ``flip_class``.
    """
    k = len(columns)
    H = sylvester(k)
    Z = np.array(free, dtype=np.float64, copy=True)
    Z[:, columns] = np.asarray(signs, dtype=np.float64)[:, None] * H[np.asarray(classes)]
    Z2 = Z.copy()
    rows = np.flatnonzero(np.asarray(classes) == flip_class)
    Z2[np.ix_(rows, np.asarray(columns))] *= -1.0
    return Z, Z2


def _canonical_columns(Z: np.ndarray) -> np.ndarray:
    """Columns made sign-canonical (first non-zero entry positive) and sorted lexicographically."""
    C = Z.T.copy()
    for c in C:
        nz = np.flatnonzero(c)
        if nz.size and c[nz[0]] < 0:
            c *= -1.0
    order = np.lexsort(C.T[::-1])
    return C[order]


def is_signed_column_permutation(Z: np.ndarray, Z2: np.ndarray) -> bool:
    """True when Z2 = Z P S for a permutation P and a diagonal ±1 matrix S (a trivial twin)."""
    return Z.shape == Z2.shape and np.array_equal(_canonical_columns(Z), _canonical_columns(Z2))
