"""One property's tally: each example measured on both sides, judged by :mod:`invariance.judge`.

A :class:`PropertyRun` is the mutable record of one search (examples seen, skips, the largest
deviation, the last violation); :meth:`PropertyRun.evaluate` is the function Hypothesis, the sweep and
the shrinker call on each :class:`~invariance.data.strategies.Case`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from invariance import judge
from invariance.data.rotations import haar
from invariance.data.strategies import Case
from invariance.probe.call import Caller, CallError, deviation, failed_alike
from invariance.probe.noise import gaussian_inputs, gaussian_noise, probe_noise, rounding_inputs, rounding_noise
from invariance.render import messages
from invariance.verdict import Diagnosis, ExcusedBy

Problem = tuple[np.ndarray, np.ndarray, np.ndarray]

__all__ = ["Excusal", "Outcome", "PropertyRun", "case_seed"]


@dataclass(frozen=True)
class Outcome:
    """A violation: the case, both predictions (None for a side that failed), and the numbers."""

    case: Case
    y_hat: np.ndarray | None
    y_hat_t: np.ndarray | None
    deviation: float
    noise: float
    threshold: float
    error: str | None = None


@dataclass(frozen=True)
class Excusal:
    """A deviation above the floor that was judged rounding, and what excused it."""

    deviation: float
    threshold: float
    noise: float
    by: ExcusedBy
    d: int
    n: int
    m: int
    precision: str = "float64"

    def to_json(self) -> dict:
        return {"deviation": self.deviation, "threshold": self.threshold, "noise": self.noise,
                "by": ExcusedBy(self.by).value, "d": self.d, "n": self.n, "m": self.m, "precision": self.precision,
                "words": messages.excusal_words(self)}


@dataclass
class PropertyRun:
    """Mutable tally of one property's search (only the checker touches it).

    Beside the counts it keeps the evidence the judge needs: every example's shape and whether it was
    usable (``shapes``), the smallest input on which both sides returned NaN/inf (``non_finite``), the
    largest deviation above the floor that was excused (``excused``) and the strongest violation seen
    (``strongest``: largest deviation ÷ threshold)."""

    name: str
    caller: Caller
    seed: int
    examples: int = 0
    skips: int = 0
    max_deviation: float = 0.0
    max_noise: float = 0.0
    fatal: CallError | None = None
    fatal_case: Case | None = None
    last: Outcome | None = None
    strongest: Outcome | None = None
    note: str | None = None
    shapes: list = field(default_factory=list)
    refused: list = field(default_factory=list)
    non_finite: Case | None = None
    non_finite_count: int = 0
    #: examples on which exactly one side returned NaN/inf (the other answered)
    one_sided_non_finite: int = 0
    #: the same learner in exact arithmetic, for a reduced-precision learner that has one (Learner.exact)
    exact: Caller | None = None
    #: the largest deviation above the floor that a precision's allowance excused (checked for growth
    #: with the angle once the search is over: an allowance never excuses a structural deviation)
    allowed: Outcome | None = None
    excused: Excusal | None = None
    excused_count: int = 0
    unstable: int = 0
    #: the domain's row limits (min_n, n_above_d): a shrink candidate outside them is not evaluated
    min_n: int = 1
    n_above_d: bool = False
    #: ``examples`` when Hypothesis found its first violation (shrinking's evaluations are counted from it),
    #: the evaluations shrinking may spend, and whether it stopped at that budget
    found_at: int | None = None
    shrink_budget: int | None = None
    shrink_cut: bool = False
    shrink_spent: int = 0
    _gaussian: dict = field(default_factory=dict, repr=False)
    #: whether both sides of the example being judged came from a batch (:meth:`Caller.prefetch`)
    _batched: bool = field(default=False, repr=False)

    @property
    def precision(self) -> str:
        return self.caller.profile.precision

    def evaluate(self, case: Case) -> bool:
        """True when ``case`` is a violation (recorded in ``self.last``)."""
        if self.fatal is not None or case.n < self.min_n or (self.n_above_d and case.n <= case.d):
            return False  # (a shrink candidate outside the question's domain)
        self.examples += 1
        caller = self.caller_for(case)
        sides = self._both_sides(caller, case)
        if sides is None:
            return False
        a, b = sides
        if self._unusable(case, a, b):
            return False
        self.shapes.append((case.d, case.n, case.m, True))
        if isinstance(a, CallError) or isinstance(b, CallError):
            return self._one_side_failed(caller, case, a, b)
        return self._judge_answers(caller, case, a, b)

    def prefetch(self, cases: list[Case]) -> None:
        """Fit both sides of every case in ``cases`` ahead, in one batch, where the learner batches."""
        caller = self.caller
        if not caller.batches or self.fatal is not None:
            return
        usable = [c for c in cases if c.n >= self.min_n and not (self.n_above_d and c.n <= c.d)]
        seeds = [self.caller_for(c).seed for c in usable for _ in range(2)]  # a randomised learner: the case's
        caller.prefetch([side for c in usable for side in c.sides], seeds)

    def _both_sides(self, caller: Caller, case: Case) -> list[np.ndarray | CallError] | None:
        """Both sides' predictions, or the error of a side that failed; None after a fatal failure (a
        timeout or a wrong shape ends the search)."""
        sides: list[np.ndarray | CallError] = []
        cached = []
        for X, y, Xt in case.sides:
            try:
                sides.append(caller.predict(X, y, Xt))
                cached.append(caller.tally.cached)
            except CallError as exc:
                if exc.kind in (Diagnosis.TIMEOUT, Diagnosis.BAD_SHAPE):
                    self.fatal, self.fatal_case = exc, case
                    return None
                sides.append(exc)
                cached.append(False)
        self._batched = all(cached)
        return sides

    def _own_runs(self, caller: Caller, case: Case, a: np.ndarray, b: np.ndarray,
                  sides: list[Problem] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Both sides of a case (or the two ``sides`` given, fitted on its inputs: a label jitter) whose batched
        predictions ``a``, ``b`` decide something — a deviation above the floor, or an excuse — run on their
        own (not counted): the same numbers where batching is sound. Where they differ, batching is turned off
        for the rest of the check (said in the result) and the runs of their own are used."""
        fresh = [caller.fresh(*side) for side in (case.sides if sides is None else sides)]
        if all(f is not None and f.shape == o.shape and np.array_equal(f, o, equal_nan=True)
               for f, o in zip(fresh, (a, b), strict=True)):
            return a, b
        what = "differed from" if all(f is not None for f in fresh) else "answered where it failed in"
        caller.tally.batch_off = (f"a batched fit {what} its own run (d={case.d}, n={case.n}, m={case.m}); "
                                  "the rest of the check ran one by one")
        caller.forget_prefetched()
        fa, fb = fresh
        return (a if fa is None else fa), (b if fb is None else fb)

    def _unusable(self, case: Case, a, b) -> bool:
        """Record an example that cannot be compared: one side diverged where the other answered, or both
        failed alike (a refusal, or NaN/inf on both sides)."""
        shape = (case.d, case.n, case.m)
        if _one_sided_non_finite(a, b):
            # one side diverged where the other answered: evidence that limits what a pass may claim, not a
            # violation found on finite outputs (judge.decide); the search goes on looking for one
            self.skips += 1
            self.shapes.append((*shape, False))
            self.one_sided_non_finite += 1
            self._note_non_finite(case)
            return True
        if failed_alike(a, b):
            self.skips += 1  # refuses the input on both sides: not a counterexample
            self.shapes.append((*shape, False))
            if isinstance(a, CallError) and a.kind is Diagnosis.NON_FINITE:  # failed alike: both CallErrors
                self.non_finite_count += 1
                self._note_non_finite(case)
            else:
                self.refused.append((*shape, str(a)))
            return True
        return False

    def _one_side_failed(self, caller: Caller, case: Case, a, b) -> bool:
        """One side raised, the other answered: a violation, unless rounding decides which side fails."""
        err = a if isinstance(a, CallError) else b
        side = "original" if err is a else "transformed"
        answer = b if err is a else a
        if not isinstance(answer, CallError) and self._failure_is_rounding(caller, case, err is a, answer):
            self._excuse(Excusal(float("inf"), float("inf"), float("inf"), ExcusedBy.FAILURE_PROBES,
                                 case.d, case.n, case.m, self.precision))
            return False
        self._violation(Outcome(
            case,
            None if isinstance(a, CallError) else a,
            None if isinstance(b, CallError) else b,
            float("inf"),
            0.0,
            judge.FLOOR,
            error=f"only the {side} side failed: {err}",
        ))
        self.max_deviation = float("inf")
        return True

    def _judge_answers(self, caller: Caller, case: Case, a: np.ndarray, b: np.ndarray) -> bool:
        """Both sides answered: their deviation against the floor, the allowance or the measured noise."""
        dev = deviation(case.expected(a), b, case.y_train)
        if dev > judge.FLOOR and self._batched:
            a, b = self._own_runs(caller, case, a, b)
            dev = deviation(case.expected(a), b, case.y_train)
        self.max_deviation = max(self.max_deviation, dev)
        d, n, p = case.d, case.n, self.precision
        # twins are exact on both sides and are never perturbed; every other example is probed on both sides,
        # its integer sides too: an exact tie that the rotation broke by rounding (k-NN on integer data) must
        # be met by the probes, or the verdict depends on the seed
        need = lambda has_exact: judge.noise_needed(  # noqa: E731
            dev, exact_inputs=case.family == "gram-twin", precision=p, d=d, n=n,
            relative_to_predictions=deviation(case.expected(a), b, np.zeros(0)), has_exact=has_exact)
        kind, exact_noise = need(self.exact is not None), None
        if kind == "exact":
            exact_noise = self._exact_noise(case, a, b)
            if judge.far_from_exact(exact_noise, p, d, n):  # not its twin up to rounding here: probed as one
                kind, exact_noise = need(False), None       # without a twin is
        if kind is None:
            if dev > judge.FLOOR:
                self._excuse(Excusal(dev, judge.floor_at(p, d, n), 0.0, ExcusedBy.PRECISION, d, n, case.m, p))
                if self.allowed is None or dev > self.allowed.deviation:
                    self.allowed = Outcome(case, a, b, dev, 0.0, judge.floor_at(p, d, n))
            return False
        noise, verdict = self._confirmed(caller, case, a, b, dev, kind, exact_noise)
        if not np.isfinite(noise):  # the learner refuses rounding-perturbed inputs: nothing measurable
            self.shapes[-1] = (d, n, case.m, False)
            self.skips += 1
            return False
        self.max_noise = max(self.max_noise, noise)
        if verdict.violation and case.family == "gram-twin":
            control = self._permutation_control(caller, case, a, b)
            if control is not None:
                self._excuse(Excusal(dev, verdict.threshold, control, ExcusedBy.PERMUTATION_CONTROL, d, n, case.m, p))
                return False
        if verdict.violation:
            self._violation(Outcome(case, a, b, dev, noise, verdict.threshold))
        else:
            by = {"gaussian": ExcusedBy.GAUSSIAN_PROBES, "exact": ExcusedBy.EXACT_ARITHMETIC}.get(
                kind, ExcusedBy.EXAMPLE_PROBES)
            self._excuse(Excusal(dev, verdict.threshold, noise, by, d, n, case.m, p))
        return verdict.violation

    def _confirmed(self, caller: Caller, case: Case, a: np.ndarray, b: np.ndarray, dev: float,
                   kind: str, exact_noise: float | None = None) -> tuple[float, judge.ExampleJudgement]:
        """The noise of ``kind`` (for ``"exact"``, ``exact_noise``, measured already) and the judgement it gives:
        a violation must survive every probe (their problems — the rounding perturbations of the case, or the
        Gaussian problems of its size and their perturbations — fitted ahead in one batch where the learner
        batches)."""
        noise = 0.0
        ahead: list[tuple] = []
        if kind == "gaussian" and caller.batches:  # the probes of Gaussian problems not measured yet
            ahead = caller.prefetch([p for probe in range(judge.CONFIRM_PROBES)
                                     if self._gaussian_key(case, probe) not in self._gaussian
                                     for p in gaussian_inputs(caller, case.y_train, case.n, case.d, case.m,
                                                              self.seed + probe)])
        elif kind != "exact" and caller.batches:
            ahead = caller.prefetch([p for probe in range(judge.CONFIRM_PROBES)
                                     for p in rounding_inputs(caller, case, case_seed(self.seed, case) + probe)])
        try:
            for probe in range(1 if kind == "exact" else judge.CONFIRM_PROBES):
                if kind == "exact":
                    assert exact_noise is not None  # measured by _judge_answers, which chose this kind from it
                    noise = exact_noise
                elif kind == "gaussian":
                    noise = max(noise, self._gaussian_noise(caller, case, probe))
                else:
                    noise = max(noise, rounding_noise(caller, case, a, b, case_seed(self.seed, case) + probe))
                verdict = judge.judge_example(dev, noise, kind=kind, precision=self.precision, d=case.d, n=case.n)
                if not verdict.violation:
                    break
        finally:
            caller.forget_prefetched(ahead)
        return noise, verdict

    def _note_non_finite(self, case: Case) -> None:
        """Keep the smallest input on which a side returned NaN/inf."""
        if self.non_finite is None or (case.d, case.n, case.m) < (self.non_finite.d, self.non_finite.n,
                                                                   self.non_finite.m):
            self.non_finite = case

    def _exact_noise(self, case: Case, a: np.ndarray, b: np.ndarray) -> float:
        """How far each side's computed predictions lie from the same learner's in exact arithmetic (the
        larger of the two, in units of deviation); inf when the exact learner fails on either side."""
        assert self.exact is not None
        exact = self.exact.seeded(case_seed(self.seed, case)) if self.caller.profile.randomized else self.exact
        try:
            return max(deviation(exact.predict(case.X_train, case.y_train, case.X_test), a, case.y_train),
                       deviation(exact.predict(case.X_train_t, case.y_t, case.X_test_t), b, case.y_train))
        except CallError:
            return float("inf")

    def _permutation_control(self, caller: Caller, case: Case, a: np.ndarray, b: np.ndarray) -> float | None:
        """The twin controls' excuse for a twin violation (judge.permutation_excuses): how far a rounding-level
        jitter of the labels moves the predictions on the same twins, when a column permutation of a
        Gaussian problem of that size moves them by no more than rounding; None when they do not excuse it."""
        dev = deviation(case.expected(a), b, case.y_train)
        rng = np.random.default_rng(case_seed(self.seed, case))
        # draw k moves each label by ±2^(k−52)·max(1, |y|): a residual that should be exactly 0 carries the
        # rounding of an inner product (a few ulps of its terms, after the learner rescales its labels), so the
        # jitter grows until it can flip that residual's sign, and stays at rounding level (≤ 2^-45)
        jitter = lambda y, k: y + 2.0**(k - 52) * np.maximum(1.0, np.abs(y)) * rng.choice((-1.0, 1.0), np.shape(y))  # noqa: E731
        sides = [((case.X_train, jitter(case.y_train, k), case.X_test),
                  (case.X_train_t, jitter(case.y_t, k), case.X_test_t)) for k in range(judge.JITTER_DRAWS)]
        moves = lambda p, q: max(deviation(p, a, case.y_train), deviation(q, b, case.y_train))  # noqa: E731
        moved, ahead = 0.0, []
        try:
            for k, draw in enumerate(sides):  # one jitter can keep an exact fit exact: several draws
                if k == 1:  # the first draw did not excuse it: the rest are fitted ahead, in one batch
                    ahead = caller.prefetch([side for pair in sides[1:] for side in pair])
                p = caller.predict(*draw[0])
                batched = caller.tally.cached
                q = caller.predict(*draw[1])
                step, batched = moves(p, q), batched or caller.tally.cached
                if batched and judge.permutation_excuses(dev, max(moved, step), 0.0, judge.FLOOR):
                    step = moves(*self._own_runs(caller, case, p, q, list(draw)))  # an excuse rests on a batch: re-run
                moved = max(moved, step)
                if judge.permutation_excuses(dev, moved, 0.0, judge.FLOOR):
                    break
        except CallError:
            return None
        finally:
            caller.forget_prefetched(ahead)
        if not judge.permutation_excuses(dev, moved, 0.0, judge.FLOOR):
            return None  # (the cheap test first: the generic control costs two more calls)
        if not judge.permutation_excuses(dev, moved, self._generic_permutation(caller, case), judge.FLOOR):
            return None
        return moved

    def _generic_permutation(self, caller: Caller, case: Case) -> float:
        """How far a cyclic column shift by 1 moves the learner on a seeded Gaussian problem of the case's
        size and labels (cached per size and labels): rounding for a permutation-invariant learner."""
        key = ("perm", case.n, case.d, case.m, _labels_key(case.y_train))
        if key not in self._gaussian:
            rng = np.random.default_rng([self.seed, case.n, case.d, case.m, 0x9E7])
            X, Xt = rng.standard_normal((case.n, case.d)), rng.standard_normal((case.m, case.d))
            P = np.roll(np.arange(case.d), 1)
            try:
                self._gaussian[key] = deviation(caller.predict(X, case.y_train, Xt),
                                                caller.predict(X[:, P], case.y_train, Xt[:, P]), case.y_train)
            except CallError:
                self._gaussian[key] = float("inf")
        return self._gaussian[key]

    def _failure_is_rounding(self, caller: Caller, case: Case, original: bool, answer: np.ndarray) -> bool:
        """Whether only one side failing is set by rounding, not by the data: the side that failed answers
        once its inputs go through a rounding-level round trip (a Haar V), or the side that answered moves
        by ≥ :data:`judge.UNSTABLE_NOISE` under the rounding probes (its answer on this exactly degenerate
        input — a variance exactly 0 on one side, 1e-16 on the other — is rounding). Exact integer sides
        are not perturbed (that would break the ties they hold)."""
        X, Xt = (case.X_train, case.X_test) if original else (case.X_train_t, case.X_test_t)
        Y, Yt = (case.X_train_t, case.X_test_t) if original else (case.X_train, case.X_test)
        labels, answer_labels = (case.y_train, case.y_t) if original else (case.y_t, case.y_train)
        rng = np.random.default_rng(case_seed(self.seed, case))
        for _ in range(judge.CONFIRM_PROBES):
            V = haar(rng, case.d)
            if not _exact(X, Xt):
                try:
                    caller.predict((X @ V.T) @ V, labels, (Xt @ V.T) @ V)
                    return True
                except CallError:
                    pass
            if not _exact(Y, Yt):
                try:
                    if probe_noise(caller, Y, answer_labels, Yt, answer, rng) >= judge.UNSTABLE_NOISE:
                        return True
                except CallError:
                    return True  # the answering side fails under rounding too: the input is degenerate
        return False

    def _violation(self, outcome: Outcome) -> None:
        self.last = outcome
        ratio = lambda o: o.deviation / o.threshold  # noqa: E731
        if self.strongest is None or ratio(outcome) > ratio(self.strongest):
            self.strongest = outcome

    def _excuse(self, excusal: Excusal) -> None:
        self.excused_count += 1
        by, failure = excusal.by, ExcusedBy.FAILURE_PROBES
        self.unstable += judge.unstable_excuse(by, excusal.noise)
        if self.excused is None or (excusal.deviation > self.excused.deviation and by != failure) or (
                self.excused.by == failure and by != failure):
            self.excused = excusal

    def caller_for(self, case: Case) -> Caller:
        """The caller that judges ``case``: for a randomised learner both sides, and their probes, draw
        from the case's own seed (:func:`case_seed`)."""
        return self.caller.seeded(case_seed(self.seed, case)) if self.caller.profile.randomized else self.caller

    @staticmethod
    def _gaussian_key(case: Case, probe: int) -> tuple:
        # keyed by the labels too: a cache hit must give what a fresh run would, whatever ran before
        return (case.n, case.d, case.m, probe, _labels_key(case.y_train))

    def _gaussian_noise(self, caller: Caller, case: Case, probe: int) -> float:
        key = self._gaussian_key(case, probe)
        if key not in self._gaussian:
            self._gaussian[key] = gaussian_noise(caller, case.y_train, case.n, case.d, case.m, self.seed + probe)
        return self._gaussian[key]


def _labels_key(y: np.ndarray) -> bytes:
    return hashlib.blake2b(np.ascontiguousarray(y, dtype=np.float64).tobytes(), digest_size=12).digest()


def _one_sided_non_finite(a, b) -> bool:
    """Exactly one side returned NaN/inf and the other answered."""
    nf = lambda s: isinstance(s, CallError) and s.kind is Diagnosis.NON_FINITE  # noqa: E731
    return (nf(a) and not isinstance(b, CallError)) or (nf(b) and not isinstance(a, CallError))


def _exact(X: np.ndarray, Xt: np.ndarray) -> bool:
    """One side's inputs are exact integers (±1, small integers). Used only by the one-sided-failure
    excusal, which does not perturb such a side: a round trip that makes it answer would prove nothing
    about rounding, only that the input is no longer exact."""
    return np.array_equal(X, np.round(X)) and np.array_equal(Xt, np.round(Xt))


def case_seed(seed: int, case: Case) -> int:
    """The seed of ``case``: a function of the run's seed and the case's numbers only, so that judging a
    case is a pure function of it. Hypothesis replays the shrunk example and reports Flaky when the
    outcome changes, which would misdiagnose a deterministic learner as nondeterministic."""
    h = hashlib.sha256(str(seed).encode())
    extra = () if case.V is None else (case.y_train_t, case.V)  # (input cases hash as they always did)
    for a in (case.X_train, case.y_train, case.X_test, case.U, case.X_train_t, case.X_test_t, *extra):
        h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
    return int.from_bytes(h.digest()[:8], "little")
