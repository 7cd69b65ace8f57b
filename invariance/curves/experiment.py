"""Learning curves: the consequence of rotation invariance (docs/design.md#learning-curves).

Warmuth, Kotłowski & Amid (ALT 2021): on the sign-flipped Hadamard problem every rotation-invariant
learner has average square loss ≥ 1 − k/d after k examples, while EGU and GD on a spindly network
reach ≈ 0 after O(log d) examples. This module *measures* that experiment for any learners and
returns numbers (a :class:`~invariance.curves.result.Curves`); :mod:`invariance.render.curves_table`
and :mod:`invariance.cli.curves` render them (rich, JSON) and :mod:`invariance.curves.plotting`
draws them (PNG).

One trial of a paper problem draws a d×d problem ``(X, y)``; for each k in ``ks`` the learner trains
on the first k rows and predicts all d rows; the curve value is ``mean((ŷ − y)²)`` over the d rows.
The follow-up problems (``noisy``, ``logistic``: :mod:`invariance.curves.problems`) draw a fresh
instance for each (trial, n) and measure an excess risk. Beside each test value the training loss and
the true parameter's training loss are recorded. Trials are independent and seeded through
:class:`numpy.random.SeedSequence` by ``(seed, trial)`` (``(seed, trial, n, d, crc32(problem))`` on
the follow-up problems), and a randomised learner's generator by ``(seed, trial, crc32(target), k)``,
so the result does not depend on the number of worker processes (or Dask), on the order of the
learners, or on which other learners run.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from invariance.contract import Learner
from invariance.curves.hyperparams import (  # re-exported: invariance.curves.PAPER_SETTINGS etc. stay valid
    PAPER_SETTINGS,
    PerD,
    configure,
    hyperparameters,
    paper_settings_for,
    run_per_learner,
    settable,
)
from invariance.curves.problems import PROBLEMS, Problem, problem_of, sylvester
from invariance.curves.result import Curves, finite_or_none  # re-exported: the result type lives there
from invariance.errors import LearnerFailure, UsageError
from invariance.threads import one_thread
from invariance.verdict import Diagnosis
from invariance.workers import Workers

__all__ = [
    "PROBLEMS",
    "PAPER_SETTINGS",
    "PerD",
    "Curves",
    "Problem",
    "problem_of",
    "check_experiment",
    "make_problem",
    "sylvester",
    "bound",
    "k_grid",
    "paper_settings_for",
    "configure",
    "hyperparameters",
    "settable",
    "learning_curves",
    "curve_unit",
    "draw_for",
    "finite_or_none",
    "contradictions",
]


# ---------------------------------------------------------------------------------------- problems


def check_experiment(*, problem: Any, d: Any, trials: Any = 1) -> None:
    """Raise a one-line :class:`UsageError` for an unknown problem, a bad d or trials (``-j`` is
    checked by :class:`invariance.workers.Workers`)."""
    problem_of(problem).check(d)
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 1:
        raise UsageError(f"--trials must be an integer ≥ 1, got {trials!r}")


def _workers(workers: Workers | None, jobs: Any) -> Workers:
    """``workers``, or the ``jobs=N`` shorthand of :func:`learning_curves` as a :class:`Workers` (not both)."""
    if jobs is None:
        return workers if workers is not None else Workers()
    if workers is not None:
        raise UsageError("learning_curves: give workers=Workers(...) or jobs=N, not both")
    if isinstance(jobs, bool) or not isinstance(jobs, (int, np.integer)) or jobs < 1:
        raise UsageError(f"-j must be an integer ≥ 1, got {jobs!r}")
    return Workers(jobs=int(jobs))


def make_problem(problem: Any, d: int, *, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One d×d instance ``(X, y)`` of a paper problem, target e₁ (``y = X[:, 0]``).

    ``hadamard``: rows of ``H_d`` in random order, each row multiplied by a random sign;
    ``pm1``: i.i.d. uniform ±1 entries; ``gaussian``: i.i.d. N(0, 1) entries. The follow-up problems
    are drawn per n by :meth:`invariance.curves.problems.Problem.draw`.
    """
    p = problem_of(problem)
    p.check(d)
    if not p.nested:
        raise UsageError(f"make_problem draws the paper's d×d problems; {p.name!r} is drawn per n (Problem.draw)")
    draw = p.draw(d, d, rng)
    return draw.X, draw.y


def bound(problem: Any, d: int, ks: Any) -> np.ndarray:
    """The reference curve of docs/design.md#learning-curves at each k in ``ks`` (NaN where undefined).

    ``1 − k/d`` on Hadamard: the floor of every rotation-invariant learner (on average over the
    problem's symmetries), attained exactly by min-norm least squares. ``(1 − k/d)²`` on random ±1
    and Gaussian rows: about least squares' expected loss there, a reference rather than a floor.
    ``noisy`` and ``logistic``: see :mod:`invariance.curves.problems`.
    """
    return problem_of(problem).bound(d, ks)


def k_grid(d: int, *, step: int = 1, ks: Any = None, n_max: int | None = None) -> list[int]:
    """The training sizes: ``ks`` if given, else ``1, 1+step, …, n_max``; always with ``d//2``.

    ``n_max`` is d (the default, the paper's problems) or 4d (the follow-up problems).
    Raises :class:`UsageError` for a k outside ``1..n_max`` or a step < 1.
    """
    top = d if n_max is None else int(n_max)
    if ks is None:
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 1:
            raise UsageError(f"--k-step must be an integer ≥ 1, got {step!r}")
        chosen = set(range(1, top + 1, step)) | {top}
    else:
        chosen = set()
        for k in ks:
            if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= top:
                where = f"1..d={top}" if top == d else f"1..{top} (4d)"
                raise UsageError(f"every k must be an integer in {where}, got {k!r}")
            chosen.add(int(k))
    chosen.add(d // 2)
    return sorted(chosen)


# ------------------------------------------------------------------------------------------ measuring


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


def draw_for(problem: Problem, d: int, seed: int, stream: tuple[int, ...], k: int):
    """The instance a draw stream (``(trial,)`` for a curve trial, or the tuning draws' key) trains on
    at size k: one d-row draw per stream on the paper's problems (seeded by (seed, *stream), k picks a
    prefix), a fresh draw per (stream, n) elsewhere, seeded by (seed, *stream, n, d, crc32(problem))."""
    if problem.nested:
        return problem.draw(d, d, _rng(seed, *stream))
    return problem.draw(d, k, _rng(seed, *stream, k, d, _crc(problem.name)))


def fit_once(learner: Learner, problem: Problem, draw, k: int, *, rng=None,
             where: str = "") -> tuple[float, float, float]:
    """Train ``learner`` on k examples of ``draw``: (test loss, training loss, the true parameter's
    training loss). Raises :class:`LearnerFailure` when it raises, predicts NaN or the wrong shape."""
    if problem.nested:
        X, y, X_pred = draw.X[:k].copy(), draw.y[:k].copy(), draw.X.copy()
        f_train = draw.f_train[:k]
    else:
        X, y = draw.X.copy(), draw.y.copy()
        X_pred = np.vstack([draw.X, draw.X_test])
        f_train = draw.f_train
    m = X_pred.shape[0]
    try:
        y_hat = learner(X, y, X_pred, rng=rng)
    except Exception as exc:
        raise LearnerFailure(
            Diagnosis.ERROR,
            f"{learner.name} raised {type(exc).__name__}: {str(exc).strip()[:200]} ({where}k={k})",
        ) from None
    try:
        y_hat = np.asarray(y_hat, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        y_hat = np.full(0, np.nan)
    if y_hat.shape != (m,):
        raise LearnerFailure(
            Diagnosis.BAD_SHAPE,
            f"{learner.name} returned {y_hat.size} predictions for {m} test points (k={k})",
        )
    if not np.all(np.isfinite(y_hat)):
        raise LearnerFailure(
            Diagnosis.NON_FINITE,
            f"{learner.name} predicted NaN/inf at k={k} ({where.rstrip(', ')}); "
            f"a smaller learning rate (--set {learner.name}.eta=…) may help",
        )
    if problem.nested:
        test, train_pred = problem.test_loss(y_hat, draw), y_hat[:k]
    else:
        n = draw.X.shape[0]
        test, train_pred = problem.test_loss(y_hat[n:], draw), y_hat[:n]
    if not np.isfinite(test):
        raise LearnerFailure(
            Diagnosis.NON_FINITE,
            f"{learner.name}'s loss overflowed at k={k} ({where.rstrip(', ')}): it diverges; "
            f"a smaller learning rate (--set {learner.name}.eta=…) may help",
        )
    return test, problem.train_loss(train_pred, y), problem.train_loss(f_train, y)


def _one_curve(learner: Learner, problem: Problem, d: int, ks: tuple[int, ...], seed: int, trial: int) -> np.ndarray:
    """(3, len(ks)): test loss, training loss and the true parameter's training loss at each k."""
    out = np.empty((3, len(ks)))
    draw = draw_for(problem, d, seed, (trial,), d) if problem.nested else None
    where = f"problem {problem.name}, d={d}, trial {trial}, seed {seed}, "
    for j, k in enumerate(ks):
        rng = _rng(seed, trial, _crc(learner.target), k) if learner.randomized else None
        out[:, j] = fit_once(learner, problem, draw if draw is not None else draw_for(problem, d, seed, (trial,), k), k,
                             rng=rng, where=where)
    return out


def curve_unit(learner: Learner, job: tuple, trial: int) -> tuple[np.ndarray | tuple[str, str], float]:
    """One (trial, learner) unit, wherever it runs (:func:`invariance.curves.hyperparams.run_per_learner`):
    the curve (3, len(ks)) and the seconds it took, or ``(diagnosis, message)`` when the learner failed
    (a :class:`LearnerFailure` does not survive pickling). One BLAS/torch thread, in every process."""
    start = time.perf_counter()
    try:
        problem, d, ks, seed = job
        with one_thread():
            curve = _one_curve(learner, problem, d, ks, seed, trial)
    except LearnerFailure as exc:
        return (exc.diagnosis, str(exc)), 0.0
    return curve, time.perf_counter() - start


def learning_curves(
    learners: list[Learner],
    *,
    problem: Any,
    d: int,
    trials: int,
    seed: int = 0,
    ks: Any = None,
    workers: Workers | None = None,
    settings: dict[str, dict[str, Any]] | None = None,
    tuning: dict[str, dict[str, Any]] | None = None,
    progress: Callable[[int, int], None] | None = None,
    jobs: int | None = None,
) -> Curves:
    """Measure every learner's curve on ``trials`` independent draws of ``problem`` in dimension d.

    ``problem`` is a name or a :class:`Problem` (with σ, s, β). ``ks`` defaults to ``1..d`` on the
    paper's problems and ``1..4d`` on the follow-up ones. ``workers`` (``jobs=N`` is short for
    ``Workers(jobs=N)``) says where the (trial, learner) units run, with identical numbers every way
    (:func:`invariance.curves.hyperparams.run_per_learner`). ``progress(done, total)`` is called after
    each unit. ``settings`` and ``tuning`` are recorded in the result (bind hyperparameters with
    :func:`configure`). Raises :class:`LearnerFailure` when a learner raises or predicts NaN or the
    wrong shape."""
    spec = problem_of(problem)
    check_experiment(problem=spec, d=d, trials=trials)
    workers = _workers(workers, jobs)
    if not learners:
        raise UsageError("no learners to run; name at least one TARGET")
    ks = tuple(k_grid(d, ks=ks, n_max=spec.n_max(d)))
    job = (spec, int(d), ks, int(seed))
    measured = np.empty((trials, len(learners), 3, len(ks)))
    seconds = np.zeros(len(learners))
    pairs = [(t, i) for t in range(trials) for i in range(len(learners))]
    done: list[int] = []

    def record(j: int, out: tuple[np.ndarray | tuple[str, str], float]) -> None:
        (t, i), (curve, secs) = pairs[j], out
        if isinstance(curve, tuple):
            raise LearnerFailure(*curve)  # the rest are cancelled
        measured[t, i], seconds[i] = curve, seconds[i] + secs
        done.append(j)
        if progress is not None:
            progress(len(done), len(pairs))

    run_per_learner(curve_unit, learners, [(i, job, t) for t, i in pairs], workers, what="the curves", each=record)
    return Curves(
        problem=spec.name,
        d=int(d),
        ks=ks,
        seed=int(seed),
        targets=tuple(lrn.target for lrn in learners),
        names=tuple(lrn.name for lrn in learners),
        losses=measured[:, :, 0, :],
        seconds=tuple(float(s) for s in seconds),
        settings=dict(settings or {}),
        train=measured[:, :, 1, :],
        target_train=measured[:, 0, 2, :],
        params=spec.params(),
        tuning=dict(tuning or {}),
    )


# -------------------------------------------------------------------------------------------- judging


def contradictions(curves: Curves, learners: list[Learner]) -> list[str]:
    """Learners declared a verdict in ``judge.CLAIMS`` (invariant, pm1-invariant, in distribution) whose
    Hadamard curve dips below 1 − k/d by more than the judge's allowance (its margin plus three standard
    errors of the mean)
    (:func:`invariance.judge.declared_contradictions`, worded by
    :func:`invariance.render.flags.contradiction_lines`); none off Hadamard."""
    if curves.problem != "hadamard":
        return []
    from invariance.render.flags import contradiction_lines

    return contradiction_lines(
        [lrn.name for lrn in learners], [lrn.expected.value if lrn.expected else None for lrn in learners],
        curves.ks, curves.mean(), curves.bound, ses=curves.sem(),
    )
