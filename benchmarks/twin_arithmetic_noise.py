"""Is a ±1-twin deviation a violation or the learner's own arithmetic? A reproducer for the lead.

    python benchmarks/twin_arithmetic_noise.py [--twins 60] [TARGET ...]

invcheck judges a twin deviation above ``invariance.judge.EXACT_INPUT_LIMIT`` (1e-6) as a violation without
calibration, since both twins are exact. For each TARGET this draws random ±1 Gram twins (Z, Z′) by
switching (invariance.twins.switch) and prints how often, and by how much,

* the twins' predictions differ: ŷ(Z) vs ŷ(Z′), and
* the *same* data with its columns permuted differ: ŷ(Z) vs ŷ(Z P) — an exact map on ±1 data that keeps
  every tie and changes only the order of the learner's floating-point sums. For a learner invariant
  under permutations (all of those below in exact arithmetic) this is pure arithmetic noise.

When the second column is as large as the first, the twin "violation" is amplified rounding
(non-converged L-BFGS, rank decisions on exactly singular matrices), not a property of the maths.
Default targets: three scikit-learn/torch learners judged `not-invariant` only through twins, and
three controls (invariant, pm1-invariant, and EGU, which is truly not pm1-invariant).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from invariance.data import twins  # noqa: E402
from invariance.judge import EXACT_INPUT_LIMIT  # noqa: E402
from invariance.probe.call import Caller as Meter  # noqa: E402
from invariance.probe.call import deviation  # noqa: E402
from invariance.targets import load  # noqa: E402

DEFAULT = [
    "sklearn.linear_model:HuberRegressor",
    "sklearn.linear_model:TheilSenRegressor",
    "torch.optim:LBFGS --lr 1 --opt max_iter=20",
    "algorithms.least_squares:least_squares",
    "algorithms.adagrad_diag:adagrad_diag",
    "algorithms.egu:egu",
]


def _learner(spec: str):
    target, *rest = spec.split()
    options: dict = {}
    it = iter(rest)
    for flag in it:
        value = next(it)
        if flag == "--lr":
            options["lr"] = float(value)
        elif flag == "--opt":
            key, _, raw = value.partition("=")
            options.setdefault("optimizer_kwargs", {})[key] = int(raw) if raw.isdigit() else raw
    (learner,) = load(target, options=options)
    return learner


def _twin(rng: np.random.Generator):
    k = int(rng.choice((4, 8)))
    rows = int(rng.integers(k, 18))
    d = k + int(rng.integers(0, 6))
    classes = rng.integers(0, k, rows)
    classes[:k] = np.arange(k)
    Z, Z2 = twins.switch(
        1.0 - 2.0 * rng.integers(0, 2, (rows, d)), np.arange(k), classes, 1.0 - 2.0 * rng.integers(0, 2, rows),
        int(rng.integers(0, k)),
    )
    return Z, Z2, rng.integers(-2, 3, rows - 1).astype(float)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("targets", nargs="*", default=DEFAULT, help="TARGET [--lr X] [--opt K=V], quoted")
    p.add_argument("--twins", type=int, default=60)
    args = p.parse_args(argv)
    warnings.simplefilter("ignore")
    print(f"| learner | twins with dev > {EXACT_INPUT_LIMIT:g} | max twin dev | "
          f"column permutations with dev > {EXACT_INPUT_LIMIT:g} | max permutation dev |")
    print("|---|---|---|---|---|")
    for spec in args.targets:
        meter = Meter(_learner(spec), timeout=None)
        rng = np.random.default_rng(0)
        tw, pm = [], []
        for _ in range(args.twins):
            Z, Z2, y = _twin(rng)
            P = rng.permutation(Z.shape[1])
            a = meter.predict(Z[:-1], y, Z[-1:], seed=0)
            tw.append(deviation(a, meter.predict(Z2[:-1], y, Z2[-1:], seed=0), y))
            pm.append(deviation(a, meter.predict(Z[:-1, P], y, Z[-1:, P], seed=0), y))
        tw, pm = np.array(tw), np.array(pm)
        print(
            f"| {spec} | {(tw > EXACT_INPUT_LIMIT).sum()}/{len(tw)} | {tw.max():.1e} | "
            f"{(pm > EXACT_INPUT_LIMIT).sum()}/{len(pm)} | {pm.max():.1e} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
