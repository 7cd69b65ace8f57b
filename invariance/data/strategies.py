"""Hypothesis strategies for the checker's search (docs/design.md#rotations-and-data).

Every strategy is keyword-only and shrinks towards the smallest dimensions (d, n, m), the simplest
orthogonal map (one reflection, then one Givens rotation by a simple angle) and the simplest numbers
(small integers, zeros first). Numbers are drawn as one byte string mapped through a lookup table,
which keeps generation at ~2 ms an example while still shrinking byte-wise towards 0.
"""

from __future__ import annotations

import builtins
import itertools
import math
from dataclasses import dataclass, field

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from invariance.data import rotations, twins

__all__ = ["Case", "orthogonal_cases", "output_cases", "twin_cases", "orthogonal_matrices", "DATA_KINDS", "FAMILIES",
           "OUTPUT_PROPERTIES"]

#: byte → small integer; byte 0 ↦ 0 so byte-wise shrinking gives the simplest numbers
_SMALL_INTS = np.array([0, 1, -1, 2, -2, 3, -3], dtype=np.float64)
#: data kinds, simplest first (sampled_from shrinks towards the first)
DATA_KINDS = ("integers", "gaussian", "pm1", "orthogonal-rows", "repeated-rows")
#: rotation families, simplest first
FAMILIES = ("reflection", "givens", "signed-permutation", "permutation", "givens-product", "haar")
#: the families with an element other than I in d = 1 (the reflection [−1])
_FAMILIES_IN_R1 = ("reflection", "signed-permutation")
_SIMPLE_ANGLES = (math.pi / 2, math.pi / 4, math.pi / 3, math.pi / 6, 1.0, 0.5, 0.1, 2.5)
#: the output properties, largest group first, and the rotation families each draws V from
OUTPUT_PROPERTIES = {
    "output-orthogonal": FAMILIES,
    "output-signed-permutation": ("signed-permutation",),
    "output-permutation": ("permutation",),
}


@dataclass(frozen=True, eq=False)
class Case:
    """One comparison: the learner on (X_train, y_train, X_test) vs on the transformed data.

    An input property maps the inputs by U (``X_train_t = X_train Uᵀ``) and expects the same predictions.
    An output property (``V`` set) keeps the inputs, maps the targets by V (``y_train_t = y_train Vᵀ``,
    n×H) and expects the predictions mapped alike (Ŷ ↦ Ŷ Vᵀ); U is then the identity."""

    property: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    U: np.ndarray
    X_train_t: np.ndarray
    X_test_t: np.ndarray
    family: str
    data_kind: str
    notes: dict = field(default_factory=dict)
    y_train_t: np.ndarray | None = None
    V: np.ndarray | None = None

    @builtins.property
    def y_t(self) -> np.ndarray:
        """The targets of the transformed side."""
        return self.y_train if self.y_train_t is None else self.y_train_t

    @builtins.property
    def sides(self) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]:
        """The two problems ``(X_train, y_train, X_test)`` of the case: the original, then the transformed."""
        return (self.X_train, self.y_train, self.X_test), (self.X_train_t, self.y_t, self.X_test_t)

    def expected(self, y_hat: np.ndarray) -> np.ndarray:
        """What the transformed side must predict, given the original side's predictions."""
        return y_hat if self.V is None else y_hat @ self.V.T

    @builtins.property
    def d(self) -> int:
        return self.X_train.shape[1]

    @builtins.property
    def n(self) -> int:
        return self.X_train.shape[0]

    @builtins.property
    def m(self) -> int:
        return self.X_test.shape[0]

    def __repr__(self) -> str:  # what Hypothesis prints for a falsifying example
        return (
            f"Case({self.property}, d={self.d}, n={self.n}, m={self.m}, {self.family}, {self.data_kind})"
        )


def _ints(draw, shape: tuple[int, ...]) -> np.ndarray:
    size = int(np.prod(shape))
    raw = draw(st.binary(min_size=size, max_size=size))
    return _SMALL_INTS[np.frombuffer(raw, dtype=np.uint8) % len(_SMALL_INTS)].reshape(shape)


def _bits(draw, size: int) -> np.ndarray:
    raw = draw(st.binary(min_size=size, max_size=size))
    return (np.frombuffer(raw, dtype=np.uint8) & 1).astype(np.int64)


@st.composite
def orthogonal_matrices(draw, *, d: int, families: tuple[str, ...] = FAMILIES) -> tuple[np.ndarray, str]:
    """(U, family) with U in O(d), ``U ≠ I``; shrinks to a reflection, then one Givens rotation.

    In d = 1 the only non-trivial element is the reflection [−1]. ``permutation`` and
    ``signed-permutation`` draw from those subgroups (used for the symmetry field).
    """
    usable = [f for f in families if d >= 2 or f in _FAMILIES_IN_R1]
    if not usable:
        # O(1) = {±1}: the only element ≠ I is the reflection, which is no permutation or rotation
        raise InvalidArgument(f"no family in {families!r} has an element other than I in d = 1; use d >= 2")
    family = draw(st.sampled_from(usable))
    if family == "reflection":
        v = _ints(draw, (d,))
        if not v.any():
            v = np.eye(d)[0]
        U = rotations.householder(v)
    elif family == "givens":
        # one choice for the plane and one for a simple angle (a free angle costs one more), so that a
        # Givens rotation is never a longer choice sequence than a Haar matrix: Hypothesis shrinks
        # shortlex (fewer choices first), and a longer Givens draw would lose to Haar when shrinking
        planes = list(itertools.combinations(range(d), 2))  # (0, 1), (0, 2), …: shrinks to (0, 1)
        i, j = planes[draw(st.integers(0, len(planes) - 1))]
        k = draw(st.integers(0, len(_SIMPLE_ANGLES)))
        theta = (
            _SIMPLE_ANGLES[k]
            if k < len(_SIMPLE_ANGLES)
            else draw(st.floats(1e-3, 2 * math.pi - 1e-3, allow_nan=False, allow_infinity=False))
        )
        U = rotations.givens(d, i, j, theta)
    elif family in ("signed-permutation", "permutation"):
        perm = np.array(draw(st.permutations(range(d))), dtype=int)
        signs = 1 - 2 * _bits(draw, d) if family == "signed-permutation" else np.ones(d)
        if np.array_equal(perm, np.arange(d)) and np.all(signs > 0):
            if d == 1 or family == "signed-permutation":
                signs = np.r_[-1.0, np.ones(d - 1)]
            else:
                perm = np.r_[1, 0, np.arange(2, d)]
        U = rotations.signed_permutation(perm, signs)
    elif family == "givens-product":
        count = draw(st.integers(2, 2 * d))
        U = np.eye(d)
        for _ in range(count):
            i = draw(st.integers(0, d - 2))
            j = draw(st.integers(i + 1, d - 1))
            theta = draw(st.floats(1e-3, 2 * math.pi - 1e-3))
            U = rotations.givens(d, i, j, theta) @ U
    else:  # haar: the seed in two draws, so it never shortlex-shrinks past a Givens rotation
        seed = draw(st.integers(0, 2**16 - 1)) << 16 | draw(st.integers(0, 2**16 - 1))
        U = rotations.haar(np.random.default_rng(seed), d)
    return U, family


def _data(draw, kind: str, n: int, m: int, d: int,
          outputs: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ys = (n,) if outputs is None else (n, outputs)
    if kind == "integers":
        X = _ints(draw, (n + m, d))
        y = _ints(draw, ys)
        return X[:n], y, X[n:]
    if kind == "pm1":
        X = 1.0 - 2.0 * _bits(draw, (n + m) * d).reshape(n + m, d)
        y = _ints(draw, ys)
        return X[:n], y, X[n:]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "gaussian":
        X = rng.standard_normal((n + m, d)) * draw(st.sampled_from((1.0, 3.0, 0.1)))
    elif kind == "orthogonal-rows":
        Q = rotations.haar(rng, max(d, n + m))[: n + m, :d]
        X = Q * np.sqrt(d)
    else:  # repeated-rows: a few distinct rows, repeated (ties and rank deficiency)
        distinct = rng.standard_normal((max(1, (n + m) // 3), d))
        X = distinct[rng.integers(0, len(distinct), n + m)]
    y = rng.standard_normal(ys)
    return X[:n], y, X[n:]


@st.composite
def orthogonal_cases(
    draw,
    *,
    max_d: int = 16,
    max_n: int = 24,
    max_m: int = 4,
    families: tuple[str, ...] = FAMILIES,
    kinds: tuple[str, ...] = DATA_KINDS,
    property_name: str = "orthogonal",
    min_n: int = 1,
    n_above_d: bool = False,
    outputs: int | None = None,
) -> Case:
    """Generic data and one orthogonal U (docs/design.md#rotations-and-data): d in [1, max_d], n in [1, max_n]
    (both below and above d), m in [1, max_m]. Shrinks d, n, m towards 1 and U towards a reflection or a Givens
    rotation by a simple angle. Within a data kind the numbers shrink (integer bytes towards 0, the
    Gaussian seed towards 0), but a counterexample need not shrink *across* kinds to integer data:
    a seeded kind uses no more choices than the integer kind, so Hypothesis may keep it."""
    # permutations and rotations of R¹ are all the identity: such families start at d = 2
    d = draw(st.integers(1 if any(f in _FAMILIES_IN_R1 for f in families) else 2, max_d))
    low = max(min_n, d + 1 if n_above_d else 1)
    n = draw(st.integers(low, max(low, max_n)))
    m = draw(st.integers(1, max_m))
    kind = draw(st.sampled_from(kinds))
    X, y, Xt = _data(draw, kind, n, m, d, outputs)
    U, family = draw(orthogonal_matrices(d=d, families=families))
    return Case(property_name, X, y, Xt, U, X @ U.T, Xt @ U.T, family, kind)


@st.composite
def output_cases(
    draw,
    *,
    outputs: int,
    property_name: str = "output-orthogonal",
    max_d: int = 16,
    max_n: int = 24,
    max_m: int = 4,
    kinds: tuple[str, ...] = DATA_KINDS,
    min_n: int = 1,
    n_above_d: bool = False,
) -> Case:
    """Generic data with targets Y (n × ``outputs``) and one orthogonal map V of the outputs, drawn from
    the families of ``property_name`` (:data:`OUTPUT_PROPERTIES`); the inputs are left alone. Shrinks
    like :func:`orthogonal_cases`, V towards a reflection or a Givens rotation of two outputs."""
    d = draw(st.integers(1, max_d))
    low = max(min_n, d + 1 if n_above_d else 1)
    n = draw(st.integers(low, max(low, max_n)))
    m = draw(st.integers(1, max_m))
    kind = draw(st.sampled_from(kinds))
    X, y, Xt = _data(draw, kind, n, m, d, outputs)
    V, family = draw(orthogonal_matrices(d=outputs, families=OUTPUT_PROPERTIES[property_name]))
    return Case(property_name, X, y, Xt, np.eye(d), X, Xt, family, kind, y_train_t=y @ V.T, V=V)


@st.composite
def twin_cases(draw, *, max_extra_d: int = 8, max_rows: int = 24, max_m: int = 4, max_d: int | None = None,
               min_n: int = 1, n_above_d: bool = False, outputs: int | None = None) -> Case:
    """±1 Gram twins (docs/design.md#gram-twins): rows are training rows then test rows; Z Zᵀ = Z′ Z′ᵀ and Z′ is
    never a signed column permutation of Z. Shrinks to the minimal 4×4 twin (k = 4, n + m = 4). ``max_d``
    (≥ 4) bounds d = k + extra columns."""
    top = 10**9 if max_d is None else max_d
    k = draw(st.sampled_from(tuple(k for k in (4, 8, 16) if k <= top)))
    d = k + draw(st.integers(0, min(max_extra_d, top - k)))
    low_n = max(min_n, d + 1 if n_above_d else 1)
    low = max(4, low_n + 1)
    rows = draw(st.integers(low, max(low, max_rows)))
    m = draw(st.integers(1, min(max_m, rows - low_n)))
    n = rows - m
    # the switched columns: the first k unless the draw moves them (shrinks to 0..k-1)
    columns = (np.array(draw(st.permutations(range(d))), dtype=int)[:k] if d > k and draw(st.booleans())
               else np.arange(k))
    # class of row r is (r + δ_r) mod k: δ = 0 (the shrink target) gives every class, not one
    offsets = np.frombuffer(draw(st.binary(min_size=rows, max_size=rows)), dtype=np.uint8).astype(int)
    classes = (np.arange(rows) + offsets) % k
    signs = 1.0 - 2.0 * _bits(draw, rows)
    flip = int(classes[draw(st.integers(0, rows - 1))])
    free = 1.0 - 2.0 * _bits(draw, rows * d).reshape(rows, d)
    Z, Z2 = twins.switch(free, columns, classes, signs, flip)
    assume(not twins.is_signed_column_permutation(Z, Z2))
    y = _ints(draw, (n,) if outputs is None else (n, outputs))
    U = rotations.procrustes(Z, Z2)
    notes = {"k": k, "switched_columns": sorted(columns.tolist()),
             "flipped_rows": np.flatnonzero(classes == flip).tolist()}
    return Case("pm1", Z[:n], y, Z[n:], U, Z2[:n], Z2[n:], "gram-twin", "pm1", notes)
