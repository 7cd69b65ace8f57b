"""Judging, in one place: every rule that turns measured numbers into a decision.

Nothing here calls a learner, draws data, prints or words anything: these are pure functions that
return numbers and enums (:mod:`invariance.verdict`), worded by :mod:`invariance.render`. The probe
and the searches *measure* (deviations, rounding sensitivities, p-values, curves) and ask the judge
what the numbers mean:

* :mod:`~invariance.judge.tolerance` — one example: violation or rounding (docs/design.md#tolerance);
* :mod:`~invariance.judge.evidence` — whether a passed search carries its verdict (docs/design.md#evidence);
* :mod:`~invariance.judge.verdicts` — the properties' outcomes → a verdict, its symmetry group, and what a
  declared verdict implies (:data:`IMPLIED`, which the pytest gate checks); the same for the law tests of
  a randomised learner (docs/design.md#randomised-learners);
* :mod:`~invariance.judge.curves` — a learning curve against the bound 1 − k/d (docs/design.md#learning-curves);
* :mod:`~invariance.judge.state` — where an optimizer's state stops transforming like its weight.

Every public name of the five modules is importable from ``invariance.judge``.
"""

from __future__ import annotations

from invariance.judge.curves import *  # noqa: F403
from invariance.judge.curves import __all__ as _curves
from invariance.judge.evidence import *  # noqa: F403
from invariance.judge.evidence import __all__ as _evidence
from invariance.judge.state import *  # noqa: F403
from invariance.judge.state import __all__ as _state
from invariance.judge.tolerance import *  # noqa: F403
from invariance.judge.tolerance import __all__ as _tolerance
from invariance.judge.verdicts import *  # noqa: F403
from invariance.judge.verdicts import __all__ as _verdicts
from invariance.verdict import PRECISIONS

__all__ = [*_tolerance, *_evidence, *_verdicts, *_curves, *_state, "PRECISIONS"]
