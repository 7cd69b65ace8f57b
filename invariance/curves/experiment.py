"""Learning curves on the paper's problems: the consequence of rotation invariance (docs/design.md#learning-curves).

Warmuth, Kotłowski & Amid (ALT 2021): on the sign-flipped Hadamard problem every rotation-invariant
learner has average square loss ≥ 1 − k/d after k examples, while EGU and GD on a spindly network
reach ≈ 0 after O(log d) examples. This module *measures* that experiment for any learners and
returns numbers; :mod:`invariance.cli.curves` renders them (rich, JSON) and
:mod:`invariance.curves.plotting` draws them (PNG).

One trial draws a d×d problem ``(X, y)``; for each k in ``ks`` the learner trains on the first k
rows and predicts all d rows; the curve value is ``mean((ŷ − y)²)`` over the d rows. Trials are
independent and seeded through :class:`numpy.random.SeedSequence` by ``(seed, trial)``, and a
randomised learner's generator by ``(seed, trial, crc32(target), k)``, so the result does not depend
on the number of worker processes, on the order of the learners, or on which other learners run.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
import zlib
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from invariance.errors import LearnerFailure, UsageError
from invariance.curves.hyperparams import (  # re-exported: invariance.curves.PAPER_SETTINGS etc. stay valid
    PAPER_SETTINGS,
    PerD,
    configure,
    hyperparameters,
    paper_settings_for,
    settable,
)
from invariance.contract import Learner
from invariance.threads import one_thread
from invariance.verdict import Diagnosis, Verdict

__all__ = [
    "PROBLEMS",
    "PAPER_SETTINGS",
    "PerD",
    "Curves",
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
    "contradictions",
]

PROBLEMS = ("hadamard", "pm1", "gaussian")


# ---------------------------------------------------------------------------------------- problems


def sylvester(d: int) -> np.ndarray:
    """Sylvester's Hadamard matrix ``H_d`` (d a power of 2): ``H_1 = [1]``, ``H_2n = [[H, H], [H, −H]]``."""
    _check_d(d, "hadamard")
    H = np.ones((1, 1))
    while H.shape[0] < d:
        H = np.block([[H, H], [H, -H]])
    return H


def _check_d(d: Any, problem: str) -> None:
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 2:
        raise UsageError(f"--d must be an integer ≥ 2, got {d!r}")
    if problem == "hadamard" and d & (d - 1):
        lo = 1 << (int(d).bit_length() - 1)
        raise UsageError(
            f"the hadamard problem needs d a power of 2 (Sylvester's construction), got d={d}; "
            f"try --d {lo} or --d {2 * lo}"
        )


def _check_problem(problem: Any) -> None:
    if problem not in PROBLEMS:
        raise UsageError(f"unknown problem {problem!r}; choose one of: {', '.join(PROBLEMS)}")


def check_experiment(*, problem: Any, d: Any, trials: Any = 1, jobs: Any = 1) -> None:
    """Raise a one-line :class:`UsageError` for an unknown problem, a bad d, trials or jobs."""
    _check_problem(problem)
    _check_d(d, problem)
    for flag, value in (("--trials", trials), ("-j", jobs)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise UsageError(f"{flag} must be an integer ≥ 1, got {value!r}")


def make_problem(problem: str, d: int, *, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One d×d instance ``(X, y)`` with target e₁ (``y = X[:, 0]``).

    ``hadamard``: rows of ``H_d`` in random order, each row multiplied by a random sign;
    ``pm1``: i.i.d. uniform ±1 entries; ``gaussian``: i.i.d. N(0, 1) entries.
    """
    _check_problem(problem)
    _check_d(d, problem)
    if problem == "hadamard":
        signs = rng.choice(np.array([-1.0, 1.0]), size=d)
        X = signs[:, None] * sylvester(d)[rng.permutation(d)]
    elif problem == "pm1":
        X = rng.choice(np.array([-1.0, 1.0]), size=(d, d))
    else:
        X = rng.standard_normal((d, d))
    return X, X[:, 0].copy()


def bound(problem: str, d: int, ks: Any) -> np.ndarray:
    """The reference curve of docs/design.md#learning-curves at each k in ``ks``.

    ``1 − k/d`` on Hadamard: the floor of every rotation-invariant learner (on average over the
    problem's symmetries), attained exactly by min-norm least squares. ``(1 − k/d)²`` on random ±1
    and Gaussian rows: about least squares' expected loss there, a reference rather than a floor.
    """
    _check_problem(problem)
    frac = 1.0 - np.asarray(ks, dtype=float) / d
    return frac if problem == "hadamard" else frac**2


def k_grid(d: int, *, step: int = 1, ks: Any = None) -> list[int]:
    """The training sizes: ``ks`` if given, else ``1, 1+step, …, d``; always with ``d//2``.

    Raises :class:`UsageError` for a k outside ``1..d`` or a step < 1.
    """
    if ks is None:
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 1:
            raise UsageError(f"--k-step must be an integer ≥ 1, got {step!r}")
        chosen = set(range(1, d + 1, step)) | {d}
    else:
        chosen = set()
        for k in ks:
            if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= d:
                raise UsageError(f"every k must be an integer in 1..d={d}, got {k!r}")
            chosen.add(int(k))
    chosen.add(d // 2)
    return sorted(chosen)


# ------------------------------------------------------------------------------------------ measuring


@dataclass(frozen=True)
class Curves:
    """Measured learning curves: ``losses[t, i, j]`` is trial t, learner i, ``ks[j]``."""

    problem: str
    d: int
    ks: tuple[int, ...]
    seed: int
    targets: tuple[str, ...]
    names: tuple[str, ...]
    losses: np.ndarray
    seconds: tuple[float, ...]
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def trials(self) -> int:
        return int(self.losses.shape[0])

    @property
    def bound(self) -> np.ndarray:
        return bound(self.problem, self.d, self.ks)

    def mean(self) -> np.ndarray:
        """Mean over trials, shape (learners, ks)."""
        return self.losses.mean(axis=0)

    def band(self, lo: float = 0.1, hi: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        """The ``lo`` and ``hi`` quantiles over trials, each of shape (learners, ks)."""
        return np.quantile(self.losses, lo, axis=0), np.quantile(self.losses, hi, axis=0)

    def first_below(self, level: float = 0.1) -> list[int | None]:
        """For each learner, the smallest k whose mean loss is below ``level`` (None if none)."""
        out: list[int | None] = []
        for row in self.mean():
            hits = np.flatnonzero(row < level)
            out.append(int(self.ks[hits[0]]) if hits.size else None)
        return out

    def at(self, k: int) -> np.ndarray:
        """Mean loss of each learner at training size ``k`` (must be in ``ks``)."""
        return self.mean()[:, self.ks.index(k)]

    def to_json(self) -> dict[str, Any]:
        """The docs/design.md#contracts object plus extra keys (never fewer): band, trials, seed, settings, …"""
        lo, hi = self.band()
        mean = self.mean()
        return {
            "problem": self.problem,
            "d": self.d,
            "ks": list(self.ks),
            "bound": [float(b) for b in self.bound],
            "curves": {t: [float(v) for v in mean[i]] for i, t in enumerate(self.targets)},
            "band": {
                "quantiles": [0.1, 0.9],
                **{t: {"lo": [float(v) for v in lo[i]], "hi": [float(v) for v in hi[i]]}
                   for i, t in enumerate(self.targets)},
            },
            "names": dict(zip(self.targets, self.names)),
            "first_k_below_0.1": dict(zip(self.targets, self.first_below(0.1))),
            "trials": self.trials,
            "seed": self.seed,
            "settings": {t: dict(self.settings.get(t, {})) for t in self.targets},
            "seconds": dict(zip(self.targets, self.seconds)),
        }


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


def _one_curve(learner: Learner, problem: str, d: int, ks: tuple[int, ...], seed: int, trial: int) -> np.ndarray:
    X, y = make_problem(problem, d, rng=_rng(seed, trial))
    out = np.empty(len(ks))
    for j, k in enumerate(ks):
        rng = _rng(seed, trial, _crc(learner.target), k) if learner.randomized else None
        try:
            y_hat = learner(X[:k].copy(), y[:k].copy(), X.copy(), rng=rng)
        except Exception as exc:
            raise LearnerFailure(
                Diagnosis.ERROR.value,
                f"{learner.name} raised {type(exc).__name__}: {str(exc).strip()[:200]} "
                f"(problem {problem}, d={d}, k={k}, trial {trial}, seed {seed})",
            ) from None
        try:
            y_hat = np.asarray(y_hat, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            y_hat = np.full(0, np.nan)
        if y_hat.shape != (d,):
            raise LearnerFailure(
                Diagnosis.BAD_SHAPE.value,
                f"{learner.name} returned {y_hat.size} predictions for {d} test points (k={k})",
            )
        if not np.all(np.isfinite(y_hat)):
            raise LearnerFailure(
                Diagnosis.NON_FINITE.value,
                f"{learner.name} predicted NaN/inf at k={k} (problem {problem}, d={d}, trial {trial}, "
                f"seed {seed}); a smaller learning rate (--set {learner.name}.eta=…) may help",
            )
        out[j] = float(np.mean((y_hat - y) ** 2))
        if not np.isfinite(out[j]):
            raise LearnerFailure(
                Diagnosis.NON_FINITE.value,
                f"{learner.name}'s square loss overflowed at k={k} (problem {problem}, d={d}, trial {trial}, "
                f"seed {seed}): it diverges; a smaller learning rate (--set {learner.name}.eta=…) may help",
            )
    return out


_WORKER: dict[str, Any] = {}  # set in each worker process by _init_worker, never in the parent


def _init_worker(learners: list[Learner], job: tuple, one_blas_thread: bool = False) -> None:
    _WORKER["learners"], _WORKER["job"] = learners, job
    if one_blas_thread:
        # The processes already share out the cores; BLAS threads on top of them contend, and on
        # d×d problems of this size a 2-thread eigh can run 10× slower than a 1-thread one. Held for
        # the worker's life (threads.one_thread: threadpoolctl when installed, and torch's pool).
        _WORKER["threads"] = contextlib.ExitStack()
        _WORKER["threads"].enter_context(one_thread())


def _task(trial: int, i: int) -> tuple[int, int, np.ndarray | tuple[str, str], float]:
    start = time.perf_counter()
    try:
        curve = _one_curve(_WORKER["learners"][i], *_WORKER["job"], trial)
    except LearnerFailure as exc:  # its two-argument constructor does not survive pickling
        return trial, i, (exc.diagnosis, str(exc)), 0.0
    return trial, i, curve, time.perf_counter() - start


def learning_curves(
    learners: list[Learner],
    *,
    problem: str,
    d: int,
    trials: int,
    seed: int = 0,
    ks: Any = None,
    jobs: int = 1,
    settings: dict[str, dict[str, Any]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Curves:
    """Measure every learner's curve on ``trials`` independent draws of ``problem`` in dimension d.

    ``ks`` defaults to ``1..d``. ``jobs > 1`` runs (trial, learner) pairs in that many processes
    (``fork`` where the platform has it, so closures need not pickle); the numbers are identical to
    ``jobs=1``. ``progress(done, total)`` is called after each (trial, learner) pair.
    ``settings`` is recorded in the result only (bind hyperparameters with :func:`configure`).
    Raises :class:`LearnerFailure` when a learner raises or predicts NaN or the wrong shape.
    """
    check_experiment(problem=problem, d=d, trials=trials, jobs=jobs)
    if not learners:
        raise UsageError("no learners to run; name at least one TARGET")
    ks = tuple(k_grid(d, ks=ks))
    job = (problem, d, ks, int(seed))
    losses = np.empty((trials, len(learners), len(ks)))
    seconds = np.zeros(len(learners))
    pairs = [(t, i) for t in range(trials) for i in range(len(learners))]
    done = 0

    def record(t: int, i: int, curve: np.ndarray | tuple[str, str], secs: float) -> None:
        nonlocal done
        if isinstance(curve, tuple):
            raise LearnerFailure(*curve)
        losses[t, i], done = curve, done + 1
        seconds[i] += secs
        if progress is not None:
            progress(done, len(pairs))

    if jobs == 1 or len(pairs) == 1:
        _init_worker(learners, job)
        try:
            for t, i in pairs:
                record(*_task(t, i))
        finally:
            _WORKER.clear()
    else:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(pairs)),
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(learners, job, True),
        ) as pool:
            futures = [pool.submit(_task, t, i) for t, i in pairs]
            try:
                for fut in as_completed(futures):
                    record(*fut.result())
            except BaseException:
                for fut in futures:
                    fut.cancel()
                raise
    return Curves(
        problem=problem,
        d=int(d),
        ks=ks,
        seed=int(seed),
        targets=tuple(l.target for l in learners),
        names=tuple(l.name for l in learners),
        losses=losses,
        seconds=tuple(float(s) for s in seconds),
        settings=dict(settings or {}),
    )


# -------------------------------------------------------------------------------------------- judging


def contradictions(curves: Curves, learners: list[Learner]) -> list[str]:
    """Learners declared ``invariant``/``pm1-invariant`` whose Hadamard curve dips below 1 − k/d by more
    than the judge's margin (:func:`invariance.judge.declared_contradictions`); none off Hadamard."""
    if curves.problem != "hadamard":
        return []
    from invariance.judge import declared_contradictions

    return declared_contradictions(
        [l.name for l in learners], [l.expected.value if l.expected else None for l in learners],
        curves.ks, curves.mean(), curves.bound,
    )
