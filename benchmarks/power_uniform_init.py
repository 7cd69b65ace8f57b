"""Power of invcheck's two-sample test against a first layer whose law is *not* rotation invariant.

    python benchmarks/power_uniform_init.py [--seeds 5] [--samples 200] [--learners KEY,...] [--cases KEY,...]
                                            [--hidden 16]

A learner is invariant in distribution when W₁ and W₁Uᵀ have the same law (Gaussian entries). Torch's
default initialisation draws i.i.d. *uniform* entries (a cube, symmetric only under signed
permutations), so ``invcheck torch.optim:SGD --model mlp --init uniform`` should be rejected; Rademacher
random features likewise (docs/design.md#randomised-learners). This script measures how often the test, exactly as
:mod:`invariance.distribution` runs it (KS per test point, Bonferroni, α = 0.01), rejects each learner
over ``--seeds`` configuration seeds, on two sets of fixed cases:

* ``haar``: the cases invcheck used before this benchmark, a Haar-random U for each of (n, d) =
  (6, 4), (3, 6), (8, 2);
* ``default``: :func:`invariance.distribution.distribution_cases` as it is now (the d = 2 case rotated
  by 45°, the d = 4 case by the normalised Hadamard matrix: the rotations farthest from every signed
  permutation, under which a cube-symmetric law changes most).

Rows with a Gaussian first layer are the false-positive controls: they must be rejected in about
α of the seeds or fewer. Measures only; prints a Markdown table (numbers quoted in docs/optimizers.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from invariance.contract import as_learner  # noqa: E402
from invariance.data import rotations  # noqa: E402
from invariance.data.strategies import Case  # noqa: E402
from invariance.probe.call import Caller, Profile  # noqa: E402
from invariance.search.distribution import distribution_cases, test_property  # noqa: E402
from invariance.targets import load  # noqa: E402

ALPHA = 0.01


def haar_cases(seed: int) -> list[Case]:
    """The orthogonal cases of invariance.distribution before the 45°/Hadamard change (same data)."""
    rng = np.random.default_rng([seed, 0xD157])
    out = []
    for n, d, m in ((6, 4, 2), (3, 6, 2), (8, 2, 2)):
        X = rng.standard_normal((n + m, d))
        y = rng.standard_normal(n)
        U = rotations.haar(rng, d)
        out.append(Case("orthogonal", X[:n], y, X[n:], U, X[:n] @ U.T, X[n:] @ U.T, "haar", "gaussian"))
    return out


CASES = {
    "haar": haar_cases,
    "default": lambda seed: distribution_cases(seed)["orthogonal"],
}


def mlp_uniform(X_train, y_train, X_test, *, rng=None):
    """algorithms.mlp with W₁ ~ U(−√3/√d, √3/√d) i.i.d. (same variance 1/d as its Gaussian W₁)."""
    import torch

    from algorithms._torch import generator

    gen = generator(torch, rng, "cpu")
    X = np.asarray(X_train, dtype=np.float64)
    n, d = X.shape
    s = max(float(np.max(np.linalg.norm(np.vstack([X, X_test]), axis=1))), 1e-12)
    Xt = torch.as_tensor(X / s)
    yt = torch.as_tensor(np.asarray(y_train, dtype=np.float64))
    W1 = (torch.rand(16, d, generator=gen, dtype=torch.float64) * 2 - 1) * np.sqrt(3.0 / d)
    w2 = torch.randn(16, generator=gen, dtype=torch.float64) / 4.0
    for _ in range(40):
        H = torch.tanh(Xt @ W1.T)
        r = (H @ w2 - yt) / n
        g2 = H.T @ r
        W1 -= 0.2 * (((r[:, None] * w2[None, :]) * (1.0 - H * H)).T @ Xt)
        w2 -= 0.2 * g2
    Xq = torch.as_tensor(np.asarray(X_test, dtype=np.float64) / s)
    return (torch.tanh(Xq @ W1.T) @ w2).numpy()


def _random_features(X_train, y_train, X_test, rng, draw) -> np.ndarray:
    """Ridge (λ = 1e-3) on 32 features cos(W x + b), W = draw(32, d)/√d, b ~ U(0, 2π)."""
    d = X_train.shape[1]
    W = draw(rng, (32, d)) / np.sqrt(d)
    b = rng.uniform(0.0, 2 * np.pi, 32)
    F, Ft = np.cos(X_train @ W.T + b), np.cos(X_test @ W.T + b)
    coef = np.linalg.solve(F.T @ F + 1e-3 * np.eye(32), F.T @ y_train)
    return Ft @ coef


def rf_gaussian(X_train, y_train, X_test, *, rng=None):
    return _random_features(X_train, y_train, X_test, rng, lambda g, s: g.standard_normal(s))


def rf_rademacher(X_train, y_train, X_test, *, rng=None):
    return _random_features(X_train, y_train, X_test, rng, lambda g, s: g.choice((-1.0, 1.0), s))


def _learners(hidden: int = 16) -> dict:
    """key -> (description, invariant in distribution?, factory)"""
    adapter = lambda init: lambda: load("torch.optim:SGD", options={"model": "mlp", "init": init, "hidden": hidden})[0]  # noqa: E731
    width = "" if hidden == 16 else f" --hidden {hidden}"
    plain = lambda fn: lambda: as_learner(  # noqa: E731
        fn, name=fn.__name__, target=f"benchmarks/power_uniform_init.py:{fn.__name__}"
    )
    return {
        "sgd-gauss": (f"torch.optim:SGD --model mlp{width} (Gaussian W₁)", True, adapter("gaussian")),
        "sgd-unif": (f"torch.optim:SGD --model mlp{width} --init uniform", False, adapter("uniform")),
        "mlp-gauss": ("algorithms.mlp (Gaussian W₁, inputs scaled to ‖x‖ ≤ 1)", True,
                      lambda: load("algorithms.mlp:mlp")[0]),
        "mlp-unif": ("algorithms.mlp with uniform W₁", False, plain(mlp_uniform)),
        "rf-gauss": ("random features, Gaussian W", True, plain(rf_gaussian)),
        "rf-rad": ("random features, Rademacher W", False, plain(rf_rademacher)),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5, help="configuration seeds per row (default 5)")
    p.add_argument("--samples", default="200", help="comma-separated seeds per side (default 200, invcheck's)")
    p.add_argument("--learners", default="sgd-gauss,sgd-unif,mlp-gauss,mlp-unif,rf-gauss,rf-rad")
    p.add_argument("--cases", default="haar,default")
    p.add_argument("--hidden", type=int, default=16, help="hidden width of the torch adapter's MLP rows (default 16)")
    args = p.parse_args(argv)
    learners = _learners(args.hidden)
    print(f"two-sample KS per test point, Bonferroni, α = {ALPHA}; rejections over seeds 0..{args.seeds - 1}\n")
    print("| learner | invariant in law? | cases | seeds/side | rejected | adjusted p per seed | median max KS | s |")
    print("|---|---|---|---|---|---|---|---|")
    for key in args.learners.split(","):
        desc, invariant, factory = learners[key]
        meter = Caller(factory(), timeout=None, profile=Profile(randomized=True))
        for cases in args.cases.split(","):
            for samples in (int(s) for s in args.samples.split(",")):
                t0 = time.perf_counter()
                ps, ks = [], []
                for seed in range(args.seeds):
                    r = test_property(meter, CASES[cases](seed), samples, seed)
                    ps.append(r.p_value)
                    ks.append(r.max_ks_statistic)
                rejected = sum(p < ALPHA for p in ps)
                print(
                    f"| {desc} | {'yes' if invariant else 'no'} | {cases} | {samples} | {rejected}/{args.seeds} | "
                    f"{' '.join(f'{p:.1g}' for p in ps)} | {np.median(ks):.3f} | {time.perf_counter() - t0:.0f} |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
