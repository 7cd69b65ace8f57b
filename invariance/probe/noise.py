"""Telling rounding from violation (DESIGN §5).

A deviation at or below ``FLOOR`` is rounding for any float64 learner. Above it, the learner's own
sensitivity is measured on the same example: its predictions on *round-tripped* inputs
``(X Vᵀ) V`` for a Haar V differ from the originals only by rounding (~d·ε), exactly the size of
perturbation a rotation introduces. A deviation is a violation only when it exceeds
``NOISE_FACTOR`` times that sensitivity. On a violation, :func:`angle_scaling` measures how the
deviation grows with the angle of a single Givens rotation: a structural violation scales like θ,
a flipped threshold or reduced-precision noise does not.

±1 Gram twins are exact on both sides, so there the perturbation probes do not apply above
``EXACT_INPUT_LIMIT``: a learner that breaks exact ties by a coordinate (DESIGN §3's degenerate data)
is maximally sensitive to perturbations, and calibrating would excuse exactly what twins exist to catch.
Above it a twin deviation is judged against the learner's rounding sensitivity on *Gaussian* data of
the same size (no ties there): max(EXACT_INPUT_LIMIT, NOISE_FACTOR × that), see
:meth:`invariance.search.PropertyRun.evaluate`.

A learner that rounds its inputs to float32 (:func:`input_precision`) is probed at its own precision.
"""

from __future__ import annotations

import itertools

import numpy as np

from invariance.probe.call import CallError, Meter, deviation
from invariance.data.rotations import givens, haar

__all__ = ["EXACT_INPUT_LIMIT", "input_precision", "probe_noise", "FLOOR", "NOISE_FACTOR", "F32_WEIGHT", "rounding_noise", "threshold", "angle_scaling"]

#: relative deviation that is rounding for any float64 learner (sound learners show 1e-16–1e-12)
FLOOR = 1e-10
#: how far above its own measured rounding sensitivity a deviation must lie to count
NOISE_FACTOR = 100.0
#: weight of the float32-level probe: a deviation must exceed 10× the response to a 2⁻²⁴ perturbation
F32_WEIGHT = 0.1
#: on exact inputs (±1 Gram twins) a deviation at or below this is judged by the usual probes; above it,
#: against the learner's noise on Gaussian data of the same size: no input was rounded, and sound
#: float64 learners differ there by ≤ 1e-12 (measured on every built-in)
EXACT_INPUT_LIMIT = 1e-6
ANGLES = (1e-1, 1e-2, 1e-3, 1e-4)


def _f32(A: np.ndarray) -> np.ndarray:
    return np.asarray(A, dtype=np.float32).astype(np.float64)


def input_precision(meter: Meter, probes) -> str:
    """``"float32"`` when the learner's predictions on every probe are bit-identical after its inputs are
    rounded to float32 — it casts them down (a float32 NumPy or torch model) and its rounding unit is
    2⁻²⁴, not 2⁻⁵³ — else ``"float64"``. ``probes`` are (X, y, X_test, ŷ) it has answered, ŷ with
    ``seed=12345``."""
    for X, y, Xt, y_hat in probes:
        try:
            if not np.array_equal(y_hat, meter.predict(_f32(X), _f32(y), _f32(Xt), seed=12345)):
                return "float64"
        except CallError:
            return "float64"
    return "float32"


def rounding_noise(meter: Meter, case, y_hat: np.ndarray, y_hat_t: np.ndarray, seed: int) -> float:
    """The learner's sensitivity to rounding on this example (both sides), in units of deviation:
    :func:`probe_noise` on the original and on the transformed data."""
    rng = np.random.default_rng(seed)
    try:
        return max(
            probe_noise(meter, case.X_train, case.y_train, case.X_test, y_hat, rng),
            probe_noise(meter, case.X_train_t, case.y_train, case.X_test_t, y_hat_t, rng),
        )
    except CallError:
        return float("inf")  # cannot even take a rounding perturbation: nothing is measurable here


def probe_noise(meter: Meter, X, y, Xt, ref: np.ndarray, rng: np.random.Generator, *, seed: int | None = None) -> float:
    """How far the learner's predictions ``ref`` on (X, y, Xt) move under rounding-level perturbations.

    Two probes: a round trip ``(X Vᵀ) V`` through a Haar V (float64 rounding, ~d·ε, exactly what a
    rotation adds), counted with weight 1; and a relative perturbation at the float32 rounding unit
    (2⁻²⁴), counted with weight ``F32_WEIGHT`` — a learner whose arithmetic amplifies rounding shows it
    there, while a float64 learner's response to it is ~1e-8 of a real violation. For a learner that
    rounds its inputs to float32 (``meter.precision``) both would mostly round away; its round trip is
    taken in float32 instead (~d·2⁻²⁴, what a rotation adds for it). Raises :class:`CallError`.
    """
    V = haar(rng, X.shape[1])
    if meter.precision == "float32":
        V32 = V.astype(np.float32)
        trip = lambda A: ((A.astype(np.float32) @ V32.T) @ V32).astype(np.float64)  # noqa: E731
    else:
        trip = lambda A: (A @ V.T) @ V  # noqa: E731
    jitter = lambda A: A * (1.0 + 2.0**-24 * rng.choice((-1.0, 1.0), A.shape))  # noqa: E731
    p_trip = meter.predict(trip(X), y, trip(Xt), seed=seed)
    p_jit = meter.predict(jitter(X), y, jitter(Xt), seed=seed)
    return max(deviation(p_trip, ref, y), F32_WEIGHT * deviation(p_jit, ref, y))


def threshold(noise: float) -> float:
    return max(FLOOR, NOISE_FACTOR * noise)


def angle_scaling(meter: Meter, case) -> dict:
    """Deviation under Givens rotations by θ ∈ ANGLES in the most sensitive plane, and its log-log slope."""
    d = case.d
    if d < 2:
        return {"applicable": False, "diagnosis": "d = 1: O(1) = {±1} has no small rotations"}
    X, y, Xt = case.X_train, case.y_train, case.X_test
    try:
        base = meter.predict(X, y, Xt)
        pairs = list(itertools.combinations(range(d), 2))
        if len(pairs) > 6:
            pairs = pairs[:3] + pairs[-3:]

        def dev_at(i: int, j: int, theta: float) -> float:
            G = givens(d, i, j, theta)
            return deviation(meter.predict(X @ G.T, y, Xt @ G.T), base, y)

        plane = max(pairs, key=lambda p: dev_at(*p, ANGLES[0]))
        devs = [dev_at(*plane, t) for t in ANGLES]
    except CallError as exc:
        return {"applicable": False, "diagnosis": f"learner failed while measuring: {exc}"}
    usable = [(t, v) for t, v in zip(ANGLES, devs) if v > FLOOR and np.isfinite(v)]
    slope = None
    if len(usable) >= 2:
        lt, lv = np.log10([u[0] for u in usable]), np.log10([u[1] for u in usable])
        slope = float(np.polyfit(lt, lv, 1)[0])
    if not usable:
        diagnosis = "no deviation above 1e-10 under small Givens rotations: the violation needs a large rotation"
    elif slope is not None and 0.5 <= slope <= 1.5:
        diagnosis = f"structural: deviation grows like θ^{slope:.2f} for small angles"
    elif slope is not None and slope > 1.5:
        diagnosis = f"structural, higher order: deviation grows like θ^{slope:.2f}"
    else:
        shown = "n/a" if slope is None else f"{slope:.2f}"
        diagnosis = f"does not scale with θ (slope {shown}): a discontinuity (threshold, stopping rule) or precision noise"
    return {
        "applicable": True,
        "plane": list(plane),
        "angles": list(ANGLES),
        "deviations": devs,
        "slope": slope,
        "diagnosis": diagnosis,
    }
