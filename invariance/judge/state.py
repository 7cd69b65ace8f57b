"""Where it breaks (docs/design.md#where-it-breaks): does an optimizer's state in the transformed run
transform like the weight?"""

from __future__ import annotations

import numpy as np

from invariance.verdict import StateFit

__all__ = ["STATE_TOLERANCE", "state_transform"]

#: a state tensor "transforms like the weight" when ‖b − a·Uᵀ‖ ≤ STATE_TOLERANCE·max(‖a‖, ‖b‖, tiny);
#: float64 state after a few steps is exact to ~1e-15 relative, a per-coordinate rule breaks it at O(1)
STATE_TOLERANCE = 1e-9


def state_transform(a: np.ndarray, b: np.ndarray, U: np.ndarray,
                    V: np.ndarray | None = None) -> tuple[bool, float, StateFit]:
    """Does state ``b`` (the transformed run) equal state ``a`` mapped like the weight, ``a·Uᵀ`` (or
    ``V·a·Uᵀ`` when the outputs are mapped by V)? ``(ok, deviation, how)``, ``how`` a :class:`StateFit`:
    a tensor of the weight's shape must transform (or be equal on both sides with all its entries equal —
    a scalar in disguise, Adam's second moment on ±1 data); a scalar must be equal; anything else is not
    judged (ok)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(b)), 1e-300)
    if a.size == 1 and b.size == 1:
        dev = abs(float(a.reshape(-1)[0]) - float(b.reshape(-1)[0])) / scale
        return dev <= STATE_TOLERANCE, dev, StateFit.SCALAR
    if a.shape != b.shape or a.shape[-1] != U.shape[0] or (V is not None and (a.ndim != 2 or a.shape[0] != V.shape[0])):
        return True, 0.0, StateFit.NOT_WEIGHT_SHAPED
    mapped = a @ U.T if V is None else V @ a @ U.T
    dev = float(np.linalg.norm(b - mapped)) / scale
    if dev <= STATE_TOLERANCE:
        return True, dev, StateFit.TRANSFORMS
    # a scalar in disguise along the mapped axis: equal entries along the input axis (each row of a
    # layer's state; Adam's second moment on ±1 data), or along the output axis when V maps the outputs
    axis = -1 if V is None else 0
    same = float(np.linalg.norm(b - a)) / scale <= STATE_TOLERANCE
    if same and float(np.max(np.ptp(a, axis=axis))) <= STATE_TOLERANCE * scale:
        return True, 0.0, StateFit.SCALAR_IN_DISGUISE
    return False, dev, StateFit.BREAKS
