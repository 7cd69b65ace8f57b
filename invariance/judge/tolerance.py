"""Tolerance: when a measured deviation is rounding and when it is a violation (docs/design.md#tolerance).

One example's deviation against the floor, a precision's allowance or the learner's measured rounding
sensitivity; what excuses a twin deviation; what counts as diverged, as learning, as growing with the
angle. Numbers and decisions only: :mod:`invariance.render.messages` words them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from invariance.verdict import PRECISIONS, Scaling

__all__ = ["FLOOR", "DIVERGED", "diverged_count", "NOISE_FACTOR", "F32_WEIGHT", "UNIT_ROUNDOFF", "ALLOWANCE",
           "ALLOWANCE_PRECISIONS", "CONFIRM_PROBES", "allowance", "floor_at", "jitter_unit", "sensitivity",
           "threshold", "EXACT_FACTOR", "ExampleJudgement", "noise_needed", "judge_example",
           "suggest_precision", "PERMUTATION_FACTOR", "permutation_excuses", "JITTER_DRAWS",
           "allowance_excuses", "learns", "is_structural", "STRONG_RATIO", "shows_strongest", "marginal",
           "STRONG_KEEPS", "scaling_of", "set_by_arithmetic"]

#: relative deviation that is rounding for any float64 learner (sound learners show 1e-16–1e-12)
FLOOR = 1e-10
#: predictions beyond this multiple of the labels' scale max(1, ‖y‖∞) are a run diverging towards overflow,
#: not predictions: what they hold is rounding amplified by the divergence (GD with step 1 on ‖x‖² = 16 gives
#: −7e100 on one ±1 twin and 0 on the other). They count as non-finite, like the NaN/inf such runs end in.
DIVERGED = 1e50


def diverged_count(predictions: np.ndarray, labels: np.ndarray) -> int:
    """How many of ``predictions`` lie beyond :data:`DIVERGED` times the labels' scale."""
    scale = max(1.0, float(np.max(np.abs(labels), initial=0.0)))
    return int(np.sum(np.abs(predictions) > DIVERGED * scale))


#: how far above its own measured rounding sensitivity a deviation must lie to count
NOISE_FACTOR = 100.0
#: weight of the float32-level probe of a learner judged at float32 or coarser: a deviation must exceed
#: 10× the response to a 2⁻²⁴ perturbation (at float64 the jitter is 2⁻⁵² and counts fully)
F32_WEIGHT = 0.1
#: the unit roundoff u = 2⁻ᵗ (t significand bits) of each precision a verdict can hold at
UNIT_ROUNDOFF = {"float64": 2.0**-53, "float32": 2.0**-24, "tf32": 2.0**-11, "float16": 2.0**-11, "bfloat16": 2.0**-8}
#: a learner computing at tf32, float16 or bfloat16 may deviate by up to ALLOWANCE · u_p · √max(d, n)
#: (rounding errors of a length-s computation grow like √s u); measured: Muon (bfloat16 Newton–Schulz)
#: reaches 4.3 u at d = n = 4. At float64 and float32 the rounding is *measured* by the probes instead
#: (their round trip and jitter reach it); inside a tf32/float16/bfloat16 computation no probe of the
#: float64 inputs does, so the allowance stands in for the measurement.
ALLOWANCE = 8.0
#: the precisions judged by the allowance rather than by probes
ALLOWANCE_PRECISIONS = ("tf32", "float16", "bfloat16")
#: how many independent rounding probes (each: a round trip and a jitter, on both sides) must all fail to
#: explain a deviation before it counts: one probe can miss a near-tie that the rotation happened to break
CONFIRM_PROBES = 3


def allowance(precision: str, d: int, n: int) -> float:
    """The rounding a learner computing at ``precision`` is allowed on a problem of d columns and n rows
    (0 at float64 and float32, whose rounding the probes measure)."""
    if precision not in ALLOWANCE_PRECISIONS:
        return 0.0
    return ALLOWANCE * UNIT_ROUNDOFF[precision] * float(np.sqrt(max(d, n, 1)))


def floor_at(precision: str, d: int, n: int) -> float:
    """The deviation below which nothing needs measuring: :data:`FLOOR` or the precision's allowance."""
    return max(FLOOR, allowance(precision, d, n))


def jitter_unit(precision: str) -> float:
    """The relative size of the probe's jitter: float64 rounding (2⁻⁵²) at float64, 2⁻²⁴ at float32 or coarser."""
    return 2.0**-52 if precision == "float64" else 2.0**-24


def sensitivity(round_trip: float, jitter: float, precision: str = "float64") -> float:
    """A learner's rounding sensitivity on one input from its two probes: the round trip (XVᵀ)V counts
    fully; the response to a :func:`jitter_unit` jitter fully at float64 (both perturb at rounding level)
    and with weight :data:`F32_WEIGHT` at float32 or coarser (2⁻²⁴ is a perturbation, not only rounding)."""
    return max(round_trip, (1.0 if precision == "float64" else F32_WEIGHT) * jitter)


def threshold(noise: float, *, precision: str = "float64", d: int = 1, n: int = 1, kind: str | None = None) -> float:
    """The deviation an example must exceed to be a violation, given its measured noise — one rule for
    generic data and ±1 twins (for a twin the noise is measured on a Gaussian problem of its size). The
    noise of kind ``"exact"`` is the distance of each side's computed predictions from the same learner's
    in exact (float64) arithmetic: two sides that agree exactly differ as computed by at most the sum of
    those distances, so :data:`EXACT_FACTOR` of it is all rounding can explain. The precision's allowance
    is not part of the threshold: it is applied, relative to the predictions, before any noise is measured
    (:func:`noise_needed`)."""
    if kind == "exact":
        return max(FLOOR, EXACT_FACTOR * noise)
    return max(FLOOR, NOISE_FACTOR * noise)


#: a reduced-precision learner's computed deviation is rounding when it is at most this many times the
#: larger distance of either side from the same learner in exact arithmetic (|a − b| ≤ |a − a*| + |b − b*|
#: when a* = b*)
EXACT_FACTOR = 2.0


@dataclass(frozen=True)
class ExampleJudgement:
    violation: bool
    threshold: float


def noise_needed(deviation: float, *, exact_inputs: bool, precision: str = "float64", d: int = 1, n: int = 1,
                 relative_to_predictions: float | None = None, has_exact: bool = False) -> str | None:
    """Which measured noise judging this deviation needs: ``None`` (rounding at this precision: at or below
    :data:`FLOOR`, or within the precision's allowance measured relative to the predictions,
    ``relative_to_predictions`` — the deviation itself when not given), ``"exact"`` (a reduced-precision
    learner with an exact-arithmetic twin: each side's distance from it), ``"gaussian"`` (a ±1 twin: the
    learner's noise on Gaussian data of the same size, since perturbing exact twins would break the ties
    they exist to test) or ``"example"`` (the rounding probes on this example's own inputs).
    ``exact_inputs``: the example is a ±1 Gram twin."""
    if deviation <= FLOOR:
        return None
    if has_exact:
        return "exact"
    rel = deviation if relative_to_predictions is None else max(deviation, relative_to_predictions)
    if allowance_excuses(rel, precision, d, n):
        return None
    return "gaussian" if exact_inputs else "example"


def judge_example(deviation: float, noise: float, *, kind: str | None, precision: str = "float64", d: int = 1,
                  n: int = 1) -> ExampleJudgement:
    """Violation or rounding for one example, given the noise of the ``kind`` :func:`noise_needed` asked for."""
    limit = floor_at(precision, d, n) if kind is None else threshold(noise, precision=precision, d=d, n=n, kind=kind)
    return ExampleJudgement(deviation > limit, limit)


def suggest_precision(deviation: float, d: int, n: int, current: str) -> str | None:
    """The finest precision coarser than ``current`` whose rounding allowance covers ``deviation`` — what
    to suggest when a violation does not scale with θ — or None."""
    coarser = PRECISIONS[PRECISIONS.index(current) + 1:]
    for p in coarser:
        if p in ALLOWANCE_PRECISIONS and p != "tf32" and deviation <= allowance(p, d, n):
            return p
    return None

#: a twin deviation is set by arithmetic when a rounding-level jitter of the labels moves the predictions
#: on the same twins by at least 1/PERMUTATION_FACTOR of it (rounding that is amplified once is amplified
#: alike on the twin)
PERMUTATION_FACTOR = 10.0


def permutation_excuses(twin_deviation: float, label_jitter: float, generic_control: float, floor: float) -> bool:
    """Whether a twin deviation is set by arithmetic, not by the data. Both must hold:

    * a rounding-level jitter of the *labels* alone (``label_jitter``; the inputs, and every exact tie in
      them, left alone) moves the predictions on the same twins by at least 1/:data:`PERMUTATION_FACTOR`
      of the twin deviation — the answer on this data is decided by rounding (a residual exactly 0 on one
      side and 1e-17 on the other, then normalised or signed), not by a discrete rule on exact inputs such
      as a tie broken by a coordinate (which a label jitter does not move);
    * a column permutation of a Gaussian problem of that size moves them by no more than rounding
      (``generic_control`` ≤ ``floor``) — the learner treats no coordinate specially where nothing is
      degenerate.

    The column permutation of the twins themselves (shown beside every twin counterexample) does not
    decide: on exact ±1 data a reordered sum is often exact too, and a coordinate tie-break moves with it."""
    return bool(np.isfinite(label_jitter) and label_jitter >= twin_deviation / PERMUTATION_FACTOR
                and np.isfinite(generic_control) and generic_control <= floor)


#: how many rounding-level jitters of the labels the twin control draws before it gives up; draw k moves each
#: label by ±2^(k−52)·max(1, |y|). A jitter moves a sign or normalised step at an exact fit only when it flips
#: the residual's sign, and that residual carries the rounding of an inner product (L∞-normalised GD on a ±1
#: twin: +1.7e-16 on one side, −3.3e-16 on the other, against a one-ulp jitter of 7e-17 after the learner
#: divides its labels by 3), so the draws grow, and stay at rounding level (≤ 2^-45)
JITTER_DRAWS = 8


def allowance_excuses(relative_to_predictions: float, precision: str, d: int, n: int) -> bool:
    """Whether the allowance of a reduced precision covers a deviation, measured relative to the size of
    the predictions themselves (a learner whose predictions are 1e-3 cannot hide a 2e-4 difference in an
    allowance meant for O(1) numbers)."""
    return precision in ALLOWANCE_PRECISIONS and relative_to_predictions <= allowance(precision, d, n)


def learns(dependence: float) -> bool:
    """Whether a learner's predictions depend on its training data: ``dependence`` is the largest
    deviation of its predictions on the same test points when trained on other data (a constant, a
    learner stuck at its initialisation, an optimizer that never received a gradient: 0)."""
    return dependence > FLOOR


def is_structural(slope: float | None) -> bool:
    """A log-log slope of deviation against θ that says the violation grows with the angle."""
    return slope is not None and slope >= 0.5


#: the panel shows the strongest counterexample when the minimal one is within this factor of its threshold
STRONG_RATIO = 10.0
#: the strongest counterexample is shrunk only while it keeps this share of its strength (deviation ÷ threshold)
STRONG_KEEPS = 0.5


def scaling_of(slope: float | None, any_usable: bool) -> Scaling:
    """What the log-log slope of deviation against the Givens angle θ (1e-1 … 1e-4) says: a structural
    violation grows like θ; a threshold, a stopping rule or reduced precision does not."""
    if not any_usable:
        return Scaling.LARGE_ROTATION_ONLY
    if slope is not None and 0.5 <= slope <= 1.5:
        return Scaling.STRUCTURAL
    if slope is not None and slope > 1.5:
        return Scaling.HIGHER_ORDER
    return Scaling.FLAT


def shows_strongest(deviation: float, threshold: float, column_permutation_deviation: float | None) -> bool:
    """Whether the strongest violation the search saw stands in for a minimal one (``deviation`` over
    ``threshold``): the minimal one is within :data:`STRONG_RATIO` of its threshold, or (a twin) a mere column
    permutation of its data moves the predictions as far (:func:`set_by_arithmetic`), so it shows the data's
    arithmetic rather than the learner's structure. Which example is shown, never the verdict."""
    if marginal(deviation, threshold):
        return True
    return column_permutation_deviation is not None and set_by_arithmetic(column_permutation_deviation, deviation)


def marginal(deviation: float, threshold: float) -> bool:
    """A violation within :data:`STRONG_RATIO` of its threshold (a solver-tolerance flip rather than the
    structural violation)."""
    return deviation < STRONG_RATIO * threshold


def set_by_arithmetic(column_permutation_deviation: float, twin_deviation: float) -> bool:
    """The permutation control beside a twin violation: True when a mere column permutation of the same
    ±1 data moves the predictions within a factor :data:`NOISE_FACTOR` of the twin difference (the
    learner's answer on this degenerate data is set by arithmetic order or a tie-break)."""
    return bool(column_permutation_deviation * NOISE_FACTOR >= twin_deviation)
