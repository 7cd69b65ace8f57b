"""How the report's learning rates for the torch.optim optimizers were chosen (``invariance.report``).

    python benchmarks/tune_report_torch.py [--d 128] [--passes 3] [--only Adam ...]

The paper gives no learning rates. The report trains every optimizer as the checker does (the
adapter's linear neuron from w = 0, one example per step, ``passes`` passes) and picks its rate by
the consistency rule of :data:`invariance.curves.PAPER_SETTINGS`: on two sign-flipped Hadamard and
two random ±1 draws (seed 1), the rate from the grid whose worst mean square loss *on the k training
rows* at k = 14 ≈ 2 log₂ d and k = d/2 is smallest; rates that give NaN or overflow are out. The
grid is in each optimizer's natural unit on ±1 rows (‖x‖² = ‖x‖₁ = d): ``c/d`` for the gradient and
per-coordinate methods, ``c/√d`` for Muon (its update has unit spectral norm, so a prediction moves
by lr·‖x‖), plain ``c`` for Adafactor and Adadelta (relative / self-scaled steps). Prints the table;
the chosen ``c`` goes into ``invariance.report_measure._TORCH_C`` by hand.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from invariance.curves.experiment import make_problem  # noqa: E402
from invariance.report.measure import TORCH_OPTIMIZERS, TORCH_UNITS  # noqa: E402
from invariance.targets import load  # noqa: E402

GRID = (1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8, 16)
ABSOLUTE_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


def _unit(name: str, d: int) -> float:
    return {"1/d": 1.0 / d, "1/sqrt(d)": 1.0 / math.sqrt(d), "1": 1.0}[TORCH_UNITS[name]]


def score(name: str, lr: float, d: int, passes: int) -> tuple[float, float]:
    """(worst training loss, mean test loss at d/2) over the four draws."""
    learner = load(f"torch.optim:{name}", options={"lr": lr, "passes": passes})[0]
    worst, test = 0.0, []
    for problem in ("hadamard", "pm1"):
        for trial in range(2):
            X, y = make_problem(problem, d, rng=np.random.default_rng([1, trial, len(problem)]))
            for k in (14, d // 2):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    y_hat = np.asarray(learner(X[:k], y[:k], X), dtype=float)
                if not np.all(np.isfinite(y_hat)) or np.max(np.abs(y_hat)) > 1e6:
                    return math.inf, math.inf
                worst = max(worst, float(np.mean((y_hat[:k] - y[:k]) ** 2)))
                if k == d // 2 and problem == "hadamard":
                    test.append(float(np.mean((y_hat - y) ** 2)))
    return worst, float(np.mean(test))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--d", type=int, default=128)
    p.add_argument("--passes", type=int, default=3)
    p.add_argument("--only", action="append")
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    for name in args.only or TORCH_OPTIMIZERS:
        grid = ABSOLUTE_GRID if TORCH_UNITS[name] == "1" else GRID
        rows = [(c, *score(name, c * _unit(name, args.d), args.d, args.passes)) for c in grid]
        best = min(rows, key=lambda r: (r[1], r[0]))
        cells = "  ".join(f"{c:g}:{w:.1e}" for c, w, _ in rows)
        print(f"{name:10s} unit {TORCH_UNITS[name]:9s} best c = {best[0]:g} (train {best[1]:.1e}, "
              f"Hadamard test @ d/2 {best[2]:.3f})   {cells}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
