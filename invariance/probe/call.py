"""Calling a learner safely, and comparing two prediction vectors. Pure numbers, no judging.

Every call gets fresh float64 copies of its inputs (a learner that mutates them cannot change the
verdict; the mutation is recorded), runs under a per-call time limit, and its output is validated
(length-m vector of finite numbers; m×H for a learner with H outputs).
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np

from invariance import judge
from invariance.contract import Learner
from invariance.errors import InvarianceError, MissingDependency, one_line
from invariance.verdict import Diagnosis

__all__ = ["CallError", "Caller", "Profile", "Tally", "deviation", "failed_alike", "TINY"]

#: scale floor of the relative deviation, so that all-zero predictions do not divide by zero
TINY = 1e-12


def deviation(a: np.ndarray, b: np.ndarray, y: np.ndarray) -> float:
    """max |a − b| / max(‖a‖∞, ‖b‖∞, ‖y‖∞, TINY) in float64 (docs/design.md#tolerance); inf if either is not finite."""
    a = np.asarray(a, dtype=np.float64).ravel()  # m predictions, or m×H for several outputs
    b = np.asarray(b, dtype=np.float64).ravel()
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("inf")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b))) / deviation_scale(a, b, y)


def deviation_scale(a: np.ndarray, b: np.ndarray, y: np.ndarray) -> float:
    """What :func:`deviation` divides by: max(‖a‖∞, ‖b‖∞, ‖y‖∞, TINY)."""
    return max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)),
               float(np.max(np.abs(np.asarray(y, dtype=np.float64)), initial=0.0)), TINY)


class _Timeout(BaseException):
    """Raised by the alarm inside a learner; a BaseException so ``except Exception`` cannot eat it."""


class CallError(InvarianceError):
    """A learner call that produced no usable prediction. ``kind`` is a :class:`Diagnosis`. Part of the
    one exception root: should one ever escape, the CLI prints it on one line and exits 3."""

    exit_code = 3

    def __init__(self, kind: Diagnosis, message: str, exc_type: str | None = None, detail: str | None = None):
        super().__init__(message)
        self.message = message  # the pipeline reports a probe failure through ``.message``
        self.kind = kind
        self.exc_type = exc_type
        self.detail = detail  # full traceback text, for --verbose

    def __reduce__(self):  # rebuilt from its own arguments where it crosses a process
        return type(self), (self.kind, self.message, self.exc_type, self.detail), self.__dict__


def failed_alike(a: object, b: object) -> bool:
    """Both sides of a comparison failed the same way (same diagnosis, same exception type): the learner
    refuses that input, which is no counterexample. Exactly one failed side is one."""
    return isinstance(a, CallError) and isinstance(b, CallError) and a.kind == b.kind and a.exc_type == b.exc_type


@contextmanager
def _time_limit(seconds: float | None):
    usable = (
        seconds is not None
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def _alarm(signum, frame):
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, _alarm)
    assert seconds is not None  # usable above
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _where(exc: BaseException) -> str:
    """`` at file:line`` of the learner's own innermost frame (not invcheck's, not a library's),
    plus the innermost frame when the error surfaced inside a library."""
    tb = [f for f in traceback.extract_tb(exc.__traceback__) if os.sep + "invariance" + os.sep not in f.filename]
    if not tb:
        return ""

    def show(f) -> str:
        name = f.filename if f.filename.startswith("<") else os.path.relpath(f.filename)
        return f"{name}:{f.lineno}"

    in_library = lambda f: any(p in f.filename for p in ("site-packages", "dist-packages"))  # noqa: E731
    own = [f for f in tb if not in_library(f)]
    if own and own[-1] is not tb[-1]:
        return f" at {show(own[-1])} (raised in {show(tb[-1])})"
    return f" at {show(tb[-1])}"


@dataclass
class Tally:
    """What the calls of one check add up to: how many, and which inputs a learner mutated."""

    evaluations: int = 0
    mutated: list[str] = field(default_factory=list)
    #: predictions fitted ahead in a batch (:meth:`Caller.prefetch`), by learner and inputs; a call takes
    #: its own out, so a prefetched fit counts as an evaluation only when it is asked for
    prefetched: dict = field(default_factory=dict)
    #: whether the last call's predictions came from a batch
    cached: bool = False
    #: why batching was turned off during the check (a batched fit differed from its own run), or None
    batch_off: str | None = None


@dataclass(frozen=True)
class Profile:
    """What the probe learned about a learner, made once and passed down unchanged.

    ``precision``: the precision the verdict holds at (its rounding allowance is the judge's), and
    ``precision_note`` how it was chosen: asked for, declared, detected (a learner that only sees its
    inputs rounded to float32; a torch optimizer computing its step in a lower dtype) or the default.
    ``positive_labels``: it refuses y ≤ 0 (Poisson, Gamma), so every call gets 1 + |y|. ``randomized``: it
    takes ``rng`` *and* its predictions depend on the seed (a learner that takes ``rng`` but ignores it is judged
    as deterministic, with seed 0). ``refused``: the probe shapes it raised on (skipped on both sides by the
    searches)."""

    precision: str = "float64"
    precision_note: str = "the default"
    positive_labels: bool = False
    randomized: bool = False
    refused: tuple[str, ...] = ()


@dataclass(frozen=True)
class Caller:
    """Calls one learner safely under a :class:`Profile`.

    ``seed`` is the seed every call of a randomised learner draws from unless the call names one
    (:meth:`seeded` gives a caller bound to one case's seed); ``tally`` is shared by every caller
    derived from this one, so the evaluations of a whole check add up in one place."""

    learner: Learner
    timeout: float | None = 10.0
    profile: Profile = field(default_factory=Profile)
    seed: int | None = None
    tally: Tally = field(default_factory=Tally, compare=False)

    @property
    def evaluations(self) -> int:
        return self.tally.evaluations

    @property
    def mutated(self) -> list[str]:
        return self.tally.mutated

    def seeded(self, seed: int | None) -> Caller:
        """This caller with every call of a randomised learner drawing from ``seed``."""
        return replace(self, seed=seed)

    def with_profile(self, profile: Profile) -> Caller:
        return replace(self, profile=profile)

    def labels(self, y: np.ndarray) -> np.ndarray:
        """The labels the learner is actually given for ``y``."""
        return 1.0 + np.abs(y) if self.profile.positive_labels else np.asarray(y)

    @property
    def batches(self) -> bool:
        """Whether this caller's fits can be made ahead in batches: the learner has a batch path
        (:attr:`Learner.batch`) that has not been turned off during the check."""
        return self.learner.batch is not None and self.tally.batch_off is None

    def _seed_of(self, seed: int | None) -> int | None:
        """The seed a call draws from (None for a deterministic learner)."""
        if not self.learner.randomized:
            return None
        # a learner that takes rng but ignores it is checked as deterministic, with seed 0
        return (seed if seed is not None else self.seed) if self.profile.randomized else 0

    def _rng(self, seed: int | None) -> np.random.Generator | None:
        s = self._seed_of(seed)
        return None if s is None else np.random.default_rng(s)

    def prefetch(self, problems: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
                 seeds: list[int | None] | None = None) -> list[tuple]:
        """Fit ``problems`` ahead, together (:attr:`Learner.batch`), for the calls that will ask for them
        (with ``seeds[i]`` for a randomised learner, as :meth:`predict` would). A batch that fails or runs
        past one call's time limit fits nothing and turns batching off for the rest of the check: each
        call then runs on its own, with its own diagnosis. Returns the keys it fitted
        (:meth:`forget_prefetched`)."""
        if not self.batches or not problems:
            return []
        seeds = [None] * len(problems) if seeds is None else seeds
        todo: dict[tuple, tuple[list[np.ndarray], int | None]] = {}
        for (X, y, Xt), seed in zip(problems, seeds, strict=True):
            a = [np.array(v, dtype=np.float64, copy=True) for v in (X, self.labels(y), Xt)]
            todo.setdefault(self._key(a, seed), (a, seed))
        todo = {k: v for k, v in todo.items() if k not in self.tally.prefetched}
        if not todo:
            return []
        # the whole batch within one call's limit: then no fit in it could have run past that limit alone,
        # and a call that would have timed out one by one is never served from a batch
        try:
            with _time_limit(self.timeout), warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                outs = self.learner.batch([tuple(a) for a, _ in todo.values()],  # type: ignore[misc]
                                          [self._rng(s) for _, s in todo.values()])
                fitted = dict(zip(todo, outs, strict=True))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - the calls run one by one and say what failed
            why = "ran past one call's time limit" if isinstance(exc, _Timeout) else f"raised {type(exc).__name__}"
            self.tally.batch_off = f"a batch of {len(todo)} fits {why}; the rest of the check ran one by one"
            return []
        self.tally.prefetched.update(fitted)
        return list(todo)

    def forget_prefetched(self, keys: list[tuple] | None = None) -> None:
        """Drop the fits made ahead that no call asked for: ``keys`` (from :meth:`prefetch`), or all."""
        if keys is None:
            self.tally.prefetched.clear()
        for k in keys or ():
            self.tally.prefetched.pop(k, None)

    def _key(self, args: list[np.ndarray], seed: int | None) -> tuple:
        h = hashlib.blake2b(digest_size=16)
        for a in args:
            h.update(repr(a.shape).encode())
            h.update(np.ascontiguousarray(a).tobytes())
        return (id(self.learner), self._seed_of(seed), h.digest())

    def fresh(self, X: np.ndarray, y: np.ndarray, Xt: np.ndarray, *, seed: int | None = None) -> np.ndarray | None:
        """The learner's own run on these inputs, bypassing any batch and not counted (the check that a
        batched fit is what a run of its own gives); None when it fails."""
        args = [np.array(a, dtype=np.float64, copy=True) for a in (X, self.labels(y), Xt)]
        try:
            return self._validate(self._call(args, self._rng(seed)), len(Xt), self.learner.outputs, labels=args[1])
        except CallError:
            return None

    def _call(self, args: list[np.ndarray], rng: np.random.Generator | None) -> object:
        """The learner on ``args`` under the time limit, its own warnings silenced; its failure as a
        :class:`CallError` (one line, the learner's own frame)."""
        X, y, Xt = args
        try:
            # the learner's own numpy/runtime warnings are its business, not the report's
            with _time_limit(self.timeout), warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                return self.learner(*args, rng=rng)
        except _Timeout:
            raise CallError(
                Diagnosis.TIMEOUT,
                f"one call ran past the {self.timeout:g} s limit (n={len(y)}, d={X.shape[1]}, m={len(Xt)}); "
                "make it faster or raise the per-call limit (--timeout S; timeout= in the API)",
            ) from None
        except (KeyboardInterrupt, SystemExit, MissingDependency):
            raise
        except BaseException as exc:  # the learner's own failure, summarised on one line
            raise CallError(
                Diagnosis.ERROR,
                f"{one_line(exc)}{_where(exc)}",
                exc_type=type(exc).__name__,
                detail="".join(traceback.format_exception(exc)),
            ) from None

    def predict(
        self, X: np.ndarray, y: np.ndarray, Xt: np.ndarray, *, seed: int | None = None
    ) -> np.ndarray:
        """The learner's predictions on float64 copies; raises :class:`CallError` on misbehaviour."""
        args = [np.array(a, dtype=np.float64, copy=True) for a in (X, self.labels(y), Xt)]
        self.tally.cached = False
        if self.tally.prefetched and self.batches:
            key = self._key(args, seed)
            if key in self.tally.prefetched:
                self.tally.evaluations += 1
                self.tally.cached = True
                return self._validate(self.tally.prefetched.pop(key), len(Xt), self.learner.outputs, labels=args[1])
        guards = [a.copy() for a in args]
        self.tally.evaluations += 1
        out = self._call(args, self._rng(seed))
        for name, a, g in zip(("X_train", "y_train", "X_test"), args, guards, strict=True):
            if not (a.shape == g.shape and np.array_equal(a, g, equal_nan=True)) and name not in self.tally.mutated:
                self.tally.mutated.append(name)
        return self._validate(out, len(Xt), self.learner.outputs, labels=args[1])

    @staticmethod
    def _validate(out: object, m: int, outputs: int | None = None, *, labels: np.ndarray) -> np.ndarray:
        want = (m,) if outputs is None else (m, outputs)
        shape = f"({m},)" if outputs is None else f"({m}, {outputs})"
        try:
            arr = np.asarray(out, dtype=np.float64)
        except (TypeError, ValueError):
            raise CallError(
                Diagnosis.BAD_SHAPE,
                f"returned {type(out).__name__}, not numbers; return a float array of shape {shape}",
            ) from None
        if outputs is None and arr.shape == (m, 1):
            arr = arr[:, 0]
        if arr.shape != want:
            each = "one prediction" if outputs is None else f"{outputs} predictions (one per column of y_train)"
            raise CallError(
                Diagnosis.BAD_SHAPE,
                f"returned shape {arr.shape} for {m} test points; return {each} per row of X_test, shape {shape}",
            )
        if not np.all(np.isfinite(arr)):
            bad = int(np.sum(~np.isfinite(arr)))
            raise CallError(
                Diagnosis.NON_FINITE,
                f"returned {bad} non-finite prediction(s) (NaN or inf) out of {m}",
            )
        big = judge.diverged_count(arr, labels)
        if big:
            raise CallError(
                Diagnosis.NON_FINITE,
                f"returned {big} prediction(s) beyond {judge.DIVERGED:g}× the labels' scale out of {m} "
                "(a run diverging towards overflow)",
            )
        return arr
