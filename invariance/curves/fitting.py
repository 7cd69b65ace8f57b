"""Fitted curves: each learner's learning rate and passes chosen on a grid by its *training* loss.

A learning curve proves something about invariance only if the learner fitted its examples: a
learner stuck above 1 − k/d because its step size is wrong says nothing about the bound. So before
the curves are measured every learner with a learning rate or a number of passes is tuned, on draws
of its own (seeded apart from the curve trials), by its training loss — never by the test loss:

* **the grid** (:func:`grid_for`): the learning rate (``eta``, ``lr`` or ``learning_rate``) at the
  grid's centre × 2^j for j = −3 … 3 (:data:`LR_FACTORS`); the passes (``passes``) from
  :data:`PASSES` (1, 3, 10, 30, plus the centre's value), or the full-batch step count (``steps``,
  or ``passes`` above 30) at the centre × 1, 3, 10. The centre is the learner's curve setting
  (:func:`invariance.curves.hyperparams.curve_settings`) or its own default. A key the user set
  (``--set``) is not tuned.
* **the score** of a grid point: the worst, over :data:`TUNE_DRAWS` draws of the curve's problem
  and k ∈ {2⌈log₂ d⌉, d/2}, of the training loss minus the true parameter's training loss on the
  same examples; a point that raises or goes non-finite scores +∞.
* **the rule**: the points are tried rate by rate from the centre outwards (the smaller rate first
  at equal distance), each rate with passes in increasing order; the first point that fits (score
  ≤ :data:`invariance.judge.FIT_TOLERANCE`) is chosen. Every fitting point is as good as another by
  the training loss, so the choice stays as close as it can to the centre — the documented setting —
  and costs the fewest passes there: squeezing the training loss further, or buying a fit with fewer
  passes at an extreme rate, picks rates that drive unseen coordinates furthest (EGU at η = 4× the
  centre fits Hadamard rows to 1e-3 and predicts 1e4 elsewhere; EGU at 8× fits noisy rows in one
  pass with half the test accuracy). If none fits, the point of smallest score (scores within
  :data:`invariance.judge.FIT_TIE` tie, broken toward the centre, then the smaller rate).

:func:`tune` returns the chosen settings and a record (grid, every score, the choice and why) that
the curves carry to JSON and the report. Tuning is deterministic: same seed, same choice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from invariance.contract import Learner
from invariance.curves.experiment import (
    _crc,
    _rng,
    configure,
    draw_for,
    finite_or_none,
    fit_once,
)
from invariance.curves.hyperparams import curve_settings, run_per_learner, settable
from invariance.curves.problems import Problem, problem_of
from invariance.errors import LearnerFailure, UsageError
from invariance.judge import FIT_TIE, FIT_TOLERANCE
from invariance.threads import one_thread
from invariance.workers import Workers

__all__ = ["LR_KEYS", "PASS_KEYS", "LR_FACTORS", "PASSES", "TUNE_DRAWS", "Grid", "grid_for", "tune", "tune_all",
           "tune_unit", "tuning_ks"]

LR_KEYS = ("eta", "lr", "learning_rate")
PASS_KEYS = ("passes", "steps")
LR_FACTORS = tuple(2.0**j for j in range(-3, 4))
PASSES = (1, 3, 10, 30)
STEP_FACTORS = (1, 3, 10)
TUNE_DRAWS = 2
_TUNE_KEY = 0x7475  # spawn key of the tuning draws ("tu"): apart from every curve trial


@dataclass(frozen=True)
class Grid:
    """The points to try: ``lr_key`` × ``lrs`` and ``passes_key`` × ``passes`` around ``centre``."""

    centre: dict[str, Any]
    lr_key: str | None = None
    lrs: tuple[float, ...] = ()
    passes_key: str | None = None
    passes: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.lr_key:
            out[self.lr_key] = list(self.lrs)
        if self.passes_key:
            out[self.passes_key] = list(self.passes)
        return out


def _default(learner: Learner, key: str) -> Any:
    import inspect

    options = learner.options or {}
    if key in options:
        return options[key]
    try:
        p = inspect.signature(learner.fn).parameters.get(key)
    except (TypeError, ValueError):
        return None
    return None if p is None or p.default is inspect.Parameter.empty else p.default


def grid_for(learner: Learner, centre: dict[str, Any], fixed: set[str] | frozenset[str] = frozenset()) -> Grid:
    """The tuning grid of ``learner`` around ``centre`` (its curve settings); keys in ``fixed`` stay."""
    keys = settable(learner)
    lr_key = next((k for k in LR_KEYS if k in keys and k not in fixed), None)
    passes_key = next((k for k in PASS_KEYS if k in keys and k not in fixed), None)
    lrs: tuple[float, ...] = ()
    passes: tuple[int, ...] = ()
    if lr_key is not None:
        base = centre.get(lr_key, _default(learner, lr_key))
        if isinstance(base, (int, float)) and not isinstance(base, bool) and base > 0:
            lrs = tuple(float(base) * f for f in LR_FACTORS)
        else:
            lr_key = None
    if passes_key is not None:
        base = centre.get(passes_key, _default(learner, passes_key))
        if isinstance(base, int) and not isinstance(base, bool) and base >= 1:
            if passes_key == "steps" or base > max(PASSES):
                passes = tuple(base * f for f in STEP_FACTORS)
            else:
                passes = tuple(sorted(set(PASSES) | {base}))
        else:
            passes_key = None
    return Grid(dict(centre), lr_key, lrs, passes_key, passes)


def tuning_ks(d: int, problem: Problem | None = None) -> tuple[int, ...]:
    """The training sizes a grid point is scored at: on the paper's problems 2⌈log₂ d⌉ (where sparse
    learners should have fitted) and d/2 (where the report reads the curves); on the follow-up
    problems d/2 and 2d (past d, where their curves are read)."""
    if problem is not None and not problem.nested:
        return (d // 2, 2 * d)
    return tuple(sorted({max(1, min(d // 2, 2 * math.ceil(math.log2(d)))), d // 2}))


def _score(learner: Learner, problem: Problem, d: int, seed: int) -> float:
    worst = 0.0  # below the true parameter's training loss is fitting noise: every such point ties
    for t in range(TUNE_DRAWS):
        nested = draw_for(problem, d, seed, (_TUNE_KEY, t), d) if problem.nested else None
        for k in tuning_ks(d, problem):
            draw = nested if nested is not None else draw_for(problem, d, seed, (_TUNE_KEY, t), k)
            rng = _rng(seed, _TUNE_KEY, t, _crc(learner.target), k) if learner.randomized else None
            try:
                _, train, target = fit_once(learner, problem, draw, k, rng=rng)
            except LearnerFailure:
                return math.inf
            gap = train - target
            if not math.isfinite(gap):
                return math.inf
            worst = max(worst, gap)
    return worst


def tune(
    learner: Learner,
    problem: Any,
    d: int,
    *,
    seed: int = 0,
    centre: dict[str, Any] | None = None,
    fixed: set[str] | frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(settings, record)``: the chosen hyperparameters (``centre`` updated with the chosen learning
    rate and passes) and the record of the search (grid, scores, choice, rule)."""
    spec = problem_of(problem)
    centre = dict(curve_settings(learner, d) if centre is None else centre)
    grid = grid_for(learner, centre, fixed)
    if not grid.lr_key and not grid.passes_key:
        base = configure(learner, centre)
        score = _score(base, spec, d, seed)
        return centre, {"grid": {}, "scores": [[None, None, finite_or_none(score)]], "chosen": {},
                        "score": finite_or_none(score), "evaluated": 1, "fits": score <= FIT_TOLERANCE,
                        "why": "nothing to tune (no learning rate or passes)"}
    rows: list[list[Any]] = []
    chosen: tuple[Any, Any, float] | None = None
    best_any: tuple[Any, Any, float] | None = None
    for passes, lr in _order(grid):
        point = dict(centre)
        if lr is not None:
            assert grid.lr_key is not None  # a grid with learning rates names their key
            point[grid.lr_key] = lr
        if passes is not None:
            assert grid.passes_key is not None
            point[grid.passes_key] = passes
        score = _score(configure(learner, point), spec, d, seed)
        rows.append([passes, lr, finite_or_none(score)])
        here = (passes, lr, score)
        if best_any is None or _better(here, best_any, grid):
            best_any = here
        if score <= FIT_TOLERANCE:
            chosen = here
            break
    why = "fits" if chosen is not None else "no grid point fits: the smallest training loss"
    chosen = chosen or best_any
    assert chosen is not None
    settings = dict(centre)
    choice: dict[str, Any] = {}
    if grid.lr_key and chosen[1] is not None:
        settings[grid.lr_key] = choice[grid.lr_key] = chosen[1]
    if grid.passes_key and chosen[0] is not None:
        settings[grid.passes_key] = choice[grid.passes_key] = chosen[0]
    return settings, {
        "grid": grid.to_json(),
        "scores": rows,
        "chosen": choice,
        "score": finite_or_none(chosen[2]),
        "evaluated": len(rows),
        "fits": chosen[2] <= FIT_TOLERANCE,
        "why": why,
    }


def _distance(lr: Any, grid: Grid) -> float:
    if lr is None or not grid.lrs:
        return 0.0
    centre = grid.lrs[len(grid.lrs) // 2]
    return abs(math.log2(lr / centre))


def _better(a: tuple[Any, Any, float], b: tuple[Any, Any, float], grid: Grid) -> bool:
    """a beats b among points that do not fit (the first that fits is taken as it comes): the smaller
    score; scores within FIT_TIE tie → the one closer to the centre, then the smaller rate."""
    if not math.isfinite(b[2]) and math.isfinite(a[2]):
        return True
    if not math.isfinite(a[2]):
        return False
    if abs(a[2] - b[2]) > FIT_TIE:
        return a[2] < b[2]
    return (_distance(a[1], grid), a[1] or 0.0) < (_distance(b[1], grid), b[1] or 0.0)


def _order(grid: Grid) -> list[tuple[Any, Any]]:
    """The grid points in the order they are tried: rates by distance from the centre (the smaller
    rate first at equal distance), and at each rate the passes in increasing order."""
    lrs = sorted(grid.lrs or (None,), key=lambda lr: (_distance(lr, grid), lr or 0.0))
    return [(p, lr) for lr in lrs for p in (grid.passes or (None,))]


def tune_unit(learner: Learner, problem: Problem, d: int, seed: int, centre: dict, fixed: frozenset) -> tuple:
    """One learner's tuning, wherever it runs (:func:`invariance.curves.hyperparams.run_per_learner`):
    :func:`tune` with one BLAS/torch thread, in every process."""
    with one_thread():
        return tune(learner, problem, d, seed=seed, centre=centre, fixed=fixed)


def tune_all(
    learners: list[Learner],
    problem: Any,
    d: int,
    *,
    seed: int = 0,
    centres: list[dict[str, Any]] | None = None,
    fixed: list[set[str]] | None = None,
    workers: Workers | None = None,
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """:func:`tune` for every learner, where ``workers`` says (:class:`invariance.workers.Workers`: here,
    local processes or Dask, as the curves: :func:`invariance.curves.hyperparams.run_per_learner`);
    the choices do not depend on where they ran."""
    spec = problem_of(problem)
    spec.check(d)
    centres = [dict(c) for c in (centres or [curve_settings(lrn, d) for lrn in learners])]
    frozen = [frozenset(f) for f in (fixed or [set() for _ in learners])]
    if len(centres) != len(learners) or len(frozen) != len(learners):
        raise UsageError("tune_all: one centre and one fixed set per learner")
    units = [(i, spec, d, seed, centres[i], frozen[i]) for i in range(len(learners))]
    return run_per_learner(tune_unit, learners, units, workers, what="the tuning")
