"""The curve-contradiction rule on a labelled corpus: ``python benchmarks/bound_rule_corpus.py``.

Labels come from the theorem, not from the checker: the built-ins that claim invariance (invariant,
pm1-invariant, invariant-in-distribution) must never contradict 1 − k/d on Hadamard; the liars — two
controls that learn e₁ from one example (one randomised) and the sparse built-ins declared
invariant-in-distribution on purpose — must. Each rule is scored on the same curves: the old one
(a dip of more than 0.05) and the judge's (more than 0.05 + BOUND_Z standard errors of the mean).
Hadamard d = 32, trials 2 and 5, seeds 0, 1, 2.
"""

from __future__ import annotations

import numpy as np

from invariance.contract import as_learner, learner
from invariance.curves.experiment import configure, learning_curves, paper_settings_for
from invariance.judge.curves import BOUND_MARGIN, BOUND_Z, CLAIMS
from invariance.targets import load
from invariance.verdict import Verdict

D = 32
SPARSE = ("egu", "spindly", "mlp_spindly", "eg_pm", "spindly_pm")


def first_coordinate_sign(X, y, X_test):
    """Not invariant: learns e₁ from a single Hadamard example."""
    return X_test[:, 0] * np.sign(y[0] * X[0, 0])


def noisy_first_coordinate(X, y, X_test, *, rng):
    """Randomised and not invariant: the same, with noise."""
    return first_coordinate_sign(X, y, X_test) + 0.3 * rng.standard_normal(len(X_test))


def corpus() -> list[tuple[object, bool]]:
    """(learner, must it contradict?)"""
    builtins = [configure(lrn, paper_settings_for(lrn, D)) for lrn in load("algorithms")]
    honest = [(lrn, False) for lrn in builtins if lrn.expected is not None and lrn.expected.value in CLAIMS]
    liars = [
        as_learner(learner("invariant-in-distribution", reason="control")(noisy_first_coordinate),
                   name="noisy_liar", target="control:noisy_liar"),
        as_learner(learner("invariant", reason="control")(first_coordinate_sign), name="liar", target="control:liar"),
    ] + [lrn.with_expected(Verdict.INVARIANT_IN_DISTRIBUTION) for lrn in builtins if lrn.name in SPARSE]
    return honest + [(lrn, True) for lrn in liars]


def main() -> None:
    labelled = corpus()
    learners = [lrn for lrn, _ in labelled]
    truth = np.array([t for _, t in labelled])
    totals = {"old": [0, 0], "new": [0, 0]}
    for trials in (2, 5):
        for seed in (0, 1, 2):
            c = learning_curves(learners, problem="hadamard", d=D, trials=trials, seed=seed, ks=range(1, D // 2 + 1))
            gaps, se = (c.mean() - c.bound).min(axis=1), c.sem()
            for rule, allow in (("old", BOUND_MARGIN + 0 * se), ("new", BOUND_MARGIN + BOUND_Z * se)):
                flagged = gaps < -allow
                right = int((flagged == truth).sum())
                totals[rule][0] += right
                totals[rule][1] += len(truth)
                wrong = [learners[i].name + (" (missed)" if truth[i] else " (false alarm)")
                         for i in np.flatnonzero(flagged != truth)]
                print(f"trials {trials} seed {seed} {rule}: {right}/{len(truth)} right; wrong: {wrong}", flush=True)
    for rule, (right, n) in totals.items():
        print(f"{rule}: {right}/{n} right")


if __name__ == "__main__":
    main()
