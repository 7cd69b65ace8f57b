"""Measuring a learner's sensitivity to rounding, and how a violation grows with the angle.

Pure measurements, in units of the relative deviation; :mod:`invariance.judge` says what they mean
(docs/design.md#tolerance):

* :func:`probe_noise` — predictions on *round-tripped* inputs ``(X Vᵀ) V`` for a Haar V (float64
  rounding, ~d·ε, exactly what a rotation adds) and on inputs jittered at the precision's probe unit
  (2⁻⁵² at float64, 2⁻²⁴ at float32 or coarser);
* :func:`rounding_noise` — that on both sides of one example;
* :func:`gaussian_noise` — that on a seeded Gaussian problem of a twin's size (twins are exact ±1 data
  and must not be perturbed: that would break the exact ties they exist to test);
* :func:`angle_scaling` — the deviation under Givens rotations by θ = 10⁻¹…10⁻⁴ and its log-log slope;
* :func:`column_permutation_deviation` — the permutation control shown beside a twin violation;
* :func:`input_precision` — whether a learner only sees its inputs rounded to float32.
"""

from __future__ import annotations

import itertools

import numpy as np

from invariance import judge
from invariance.data.rotations import givens, haar
from invariance.probe.call import Caller, CallError, deviation

__all__ = [
    "rounding_inputs",
    "ANGLES",
    "angle_scaling",
    "column_permutation_deviation",
    "gaussian_inputs",
    "gaussian_noise",
    "input_precision",
    "probe_noise",
    "rounding_noise",
]

ANGLES = (1e-1, 1e-2, 1e-3, 1e-4)


def _f32(A: np.ndarray) -> np.ndarray:
    return np.asarray(A, dtype=np.float32).astype(np.float64)


def input_precision(caller: Caller, probes) -> str:
    """``"float32"`` when the learner's predictions on every probe are bit-identical after its inputs are
    rounded to float32 — it casts them down (a float32 NumPy or torch model) and its rounding unit is
    2⁻²⁴, not 2⁻⁵³ — else ``"float64"``. ``probes`` are (X, y, X_test, ŷ) it has answered, ŷ with
    ``seed=12345``."""
    for X, y, Xt, y_hat in probes:
        try:
            if not np.array_equal(y_hat, caller.predict(_f32(X), _f32(y), _f32(Xt), seed=12345)):
                return "float64"
        except CallError:
            return "float64"
    return "float32"


def rounding_noise(caller: Caller, case, y_hat: np.ndarray, y_hat_t: np.ndarray, seed: int) -> float:
    """The learner's sensitivity to rounding on this example (both sides), in units of deviation:
    :func:`probe_noise` on the original and on the transformed data; inf when it cannot even take a
    rounding perturbation."""
    rng = np.random.default_rng(seed)
    try:
        return max([probe_noise(caller, X, y, Xt, ref, rng)
                    for (X, y, Xt), ref in zip(case.sides, (y_hat, y_hat_t), strict=True)])
    except CallError:
        return float("inf")


def rounding_inputs(caller: Caller, case, seed: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The problems :func:`rounding_noise` will fit for this example and seed, in order, without fitting
    any (its perturbations depend on the seed only): for fitting them ahead, in one batch."""
    rng = np.random.default_rng(seed)
    return [(Xp, y, Xtp) for X, y, Xt in case.sides for Xp, Xtp in _perturbed(X, Xt, rng, caller.profile.precision)]


def _perturbed(X, Xt, rng: np.random.Generator, precision: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two rounding perturbations of (X, Xt) that :func:`probe_noise` fits: a round trip ``(A Vᵀ) V``
    through a Haar V (in float32 for a learner at float32 or coarser), then a relative jitter at
    :func:`judge.jitter_unit`; drawn from ``rng`` in that order."""
    V = haar(rng, X.shape[1])
    if precision != "float64":  # float32 or coarser: a rotation adds float32-level rounding
        V32 = V.astype(np.float32)
        trip = lambda A: ((A.astype(np.float32) @ V32.T) @ V32).astype(np.float64)  # noqa: E731
    else:
        trip = lambda A: (A @ V.T) @ V  # noqa: E731
    unit = judge.jitter_unit(precision)
    jitter = lambda A: A * (1.0 + unit * rng.choice((-1.0, 1.0), A.shape))  # noqa: E731
    tripped = (trip(X), trip(Xt))
    return [tripped, (jitter(X), jitter(Xt))]


def probe_noise(caller: Caller, X, y, Xt, ref: np.ndarray, rng: np.random.Generator, *,
                seed: int | None = None) -> float:
    """How far the learner's predictions ``ref`` on (X, y, Xt) move under rounding-level perturbations:
    a round trip ``(X Vᵀ) V`` through a Haar V and a relative jitter at :func:`judge.jitter_unit`, combined by
    :func:`invariance.judge.sensitivity`. For a learner that rounds its inputs to float32
    (``caller.profile.precision``) the round trip is taken in float32 (~d·2⁻²⁴, what a rotation adds
    for it). Raises :class:`CallError`."""
    return _moved(caller, y, ref, _perturbed(X, Xt, rng, caller.profile.precision), seed)


def _moved(caller: Caller, y, ref: np.ndarray, perturbed: list[tuple[np.ndarray, np.ndarray]],
           seed: int | None = None) -> float:
    """:func:`judge.sensitivity` of the predictions on the two perturbations (:func:`_perturbed`) against ``ref``."""
    (X_trip, Xt_trip), (X_jit, Xt_jit) = perturbed
    p_trip = caller.predict(X_trip, y, Xt_trip, seed=seed)
    p_jit = caller.predict(X_jit, y, Xt_jit, seed=seed)
    return judge.sensitivity(deviation(p_trip, ref, y), deviation(p_jit, ref, y), caller.profile.precision)


def gaussian_inputs(caller: Caller, y: np.ndarray, n: int, d: int, m: int,
                    seed: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The problems :func:`gaussian_noise` will fit for this shape, labels and seed, in order, without fitting
    any (the Gaussian problem, then its two rounding perturbations): for fitting them ahead, in one batch."""
    rng = np.random.default_rng([seed, n, d, m, 0x6E0])
    X, Xt = rng.standard_normal((n, d)), rng.standard_normal((m, d))
    return [(X, y, Xt)] + [(Xp, y, Xtp) for Xp, Xtp in _perturbed(X, Xt, rng, caller.profile.precision)]


def gaussian_noise(caller: Caller, y: np.ndarray, n: int, d: int, m: int, seed: int) -> float:
    """The learner's rounding sensitivity (:func:`probe_noise`) on a seeded Gaussian problem of shape
    (n, d, m) — its arithmetic on data without ties; 0 when it refuses such data."""
    (X, _, Xt), *perturbed = gaussian_inputs(caller, y, n, d, m, seed)
    try:
        noise = _moved(caller, y, caller.predict(X, y, Xt), [(Xp, Xtp) for Xp, _, Xtp in perturbed])
    except CallError:
        return 0.0  # refuses generic data of this shape: no arithmetic to credit
    return noise if np.isfinite(noise) else 0.0


def angle_scaling(caller: Caller, case) -> dict:
    """Deviation under Givens rotations by θ ∈ ANGLES in the most sensitive plane, and its log-log slope."""
    d = case.d
    if d < 2:
        return {"applicable": False, "diagnosis": "d = 1: O(1) = {±1} has no small rotations"}
    X, y, Xt = case.X_train, case.y_train, case.X_test
    try:
        base = caller.predict(X, y, Xt)
        pairs = list(itertools.combinations(range(d), 2))
        if len(pairs) > 6:
            pairs = pairs[:3] + pairs[-3:]

        def dev_at(i: int, j: int, theta: float) -> float:
            G = givens(d, i, j, theta)
            return deviation(caller.predict(X @ G.T, y, Xt @ G.T), base, y)

        plane = max(pairs, key=lambda p: dev_at(p[0], p[1], ANGLES[0]))
        devs = [dev_at(*plane, t) for t in ANGLES]
    except CallError as exc:
        return {"applicable": False, "diagnosis": f"learner failed while measuring: {exc}"}
    usable = [(t, v) for t, v in zip(ANGLES, devs, strict=False) if v > judge.FLOOR and np.isfinite(v)]
    slope = None
    if len(usable) >= 2:
        lt, lv = np.log10([u[0] for u in usable]), np.log10([u[1] for u in usable])
        slope = float(np.polyfit(lt, lv, 1)[0])
    return {
        "applicable": True,
        "plane": list(plane),
        "angles": list(ANGLES),
        "deviations": devs,
        "slope": slope,
        "scaling": judge.scaling_of(slope, bool(usable)),
    }


def column_permutation_deviation(caller: Caller, case, y_hat: np.ndarray, y_hat_t: np.ndarray) -> float:
    """How far the learner moves on the *same* exact ±1 data with its columns permuted (up to six cyclic
    shifts, both twins). That keeps every tie and every coordinate statistic up to relabelling and
    changes only the order of the learner's sums. Raises :class:`CallError`."""
    dev = 0.0
    for shift in range(1, min(case.d, 7)):  # cyclic shifts: every column visits the first positions
        P = np.roll(np.arange(case.d), shift)
        for X, Xt, ref in ((case.X_train, case.X_test, y_hat), (case.X_train_t, case.X_test_t, y_hat_t)):
            dev = max(dev, deviation(caller.predict(X[:, P], case.y_train, Xt[:, P]), ref, case.y_train))
    return dev
