"""The learning-curve problems: how one instance is drawn, what is measured on it, and its reference curve.

Two kinds (docs/design.md#learning-curves):

* **the paper's problems** (Warmuth, Kotłowski & Amid, ALT 2021): ``hadamard``, ``pm1``, ``gaussian``.
  One trial draws d rows with target e₁ (``y = X[:, 0]``, no noise); at each k the learner trains on
  the *first* k rows and predicts all d rows (nested prefixes of one draw). Measured: the mean
  square loss over the d rows. Reference: 1 − k/d (Hadamard; the floor of every rotation-invariant
  learner) or (1 − k/d)² (about least squares' loss on ±1 and Gaussian rows).
* **the follow-up problems**, swept in n past d (to 4d), each n its own independent draw (the excess
  risk near n = d is heavy-tailed; independent draws make the average over n an average of
  independent errors):

  - ``noisy`` (Warmuth, Kotłowski, Jones & Amid, ALT 2025): x ~ N(0, I_d), y = x₁ + σε. Measured:
    the excess risk E_x[(ŷ(x) − x₁)²], on 4d test points √d·q for four random orthonormal bases
    (q uniform on the unit sphere): for a linear learner that is ‖ŵ − e₁‖² exactly, with no
    test-point noise. Reference: σ²·d/(n − d − 1), least squares' exact expected excess risk for
    n ≥ d + 2 (undefined below).
  - ``logistic`` (Ghosh, Yu, Warmuth & Bartlett, ICML 2026, "Hard labels sampled from sparse targets
    mislead rotation invariant algorithms"): x ~ N(0, I_d), w* = (β/√s)·(1, …, 1, 0, …, 0) on the
    first s features, labels y = ±1 with P(y = 1 | x) = σ(x·w*). The prediction ŷ is read as a
    logit. Measured: the excess logistic risk E_x[KL(σ(x·w*) ‖ σ(ŷ(x)))], exact in the labels,
    averaged over 4d test points as for ``noisy``. Reference: the rate (d − 1)/n of their lower
    bound for rotation-invariant learners (its constant is not used: the curve is a rate to compare
    slopes with, beside s·log d / n, the rate of GD on the u⊙v parametrisation).

Every draw also carries the noise-free value at its training rows, so that the training loss of the
true parameter is known: a learner *fits* at k when its training loss is within 1e-2 of it (0 on the
paper's problems; σ²-ish on ``noisy``; the entropy of the labels on ``logistic``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit

from invariance.errors import UsageError

__all__ = [
    "PROBLEMS",
    "PAPER_PROBLEMS",
    "Problem",
    "Draw",
    "problem_of",
    "problem_title",
    "sylvester",
    "check_d",
]

PAPER_PROBLEMS = ("hadamard", "pm1", "gaussian")
PROBLEMS = PAPER_PROBLEMS + ("noisy", "logistic")
SWEEP = 4  # the follow-up problems sweep n up to SWEEP·d

_TITLE = {
    "hadamard": "sign-flipped Hadamard",
    "pm1": "random ±1",
    "gaussian": "Gaussian",
    "noisy": "noisy Gaussian regression",
    "logistic": "sparse logistic regression",
}


def problem_title(name: str) -> str:
    """A problem's name in words ("random ±1" for ``pm1``); the name itself for one not listed."""
    return _TITLE.get(name, name)


def sylvester(d: int) -> np.ndarray:
    """Sylvester's Hadamard matrix ``H_d`` (d a power of 2): ``H_1 = [1]``, ``H_2n = [[H, H], [H, −H]]``."""
    check_d(d, "hadamard")
    H = np.ones((1, 1))
    while H.shape[0] < d:
        H = np.block([[H, H], [H, -H]])
    return H


def check_d(d: Any, problem: str) -> None:
    """Raise a one-line :class:`UsageError` for a d the problem cannot use."""
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 2:
        raise UsageError(f"--d must be an integer ≥ 2, got {d!r}")
    if problem == "hadamard" and d & (d - 1):
        lo = 1 << (int(d).bit_length() - 1)
        raise UsageError(
            f"the hadamard problem needs d a power of 2 (Sylvester's construction), got d={d}; "
            f"try --d {lo} or --d {2 * lo}"
        )


@dataclass(frozen=True)
class Draw:
    """One instance: training rows ``X, y``, test rows, and the noise-free values at both.

    ``f_train``/``f_test`` are the target's values (e₁·x, or the true logit x·w* on ``logistic``).
    On the paper's problems the test rows are the d rows themselves and ``X`` holds all of them (a
    k-prefix is trained on); elsewhere ``X`` holds exactly the n training rows.
    """

    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray
    f_train: np.ndarray
    f_test: np.ndarray


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def _sphere_points(d: int, blocks: int, rng: np.random.Generator) -> np.ndarray:
    """``blocks`` random orthonormal bases, scaled by √d: (blocks·d) × d test rows whose mean of (x·v)² is ‖v‖²."""
    out = []
    for _ in range(blocks):
        Q, R = np.linalg.qr(rng.standard_normal((d, d)))
        out.append(math.sqrt(d) * (Q * np.sign(np.diag(R))).T)
    return np.vstack(out)


@dataclass(frozen=True)
class Problem:
    """A learning-curve problem and its parameters (``sigma`` for ``noisy``; ``s``, ``beta`` for ``logistic``)."""

    name: str
    sigma: float = 1.0
    s: int = 4
    beta: float = 2.0

    # -- what the problem is
    @property
    def nested(self) -> bool:
        """True for the paper's problems: every k trains on a prefix of one d-row draw."""
        return self.name in PAPER_PROBLEMS

    @property
    def title(self) -> str:
        return problem_title(self.name)

    @property
    def metric(self) -> str:
        if self.nested:
            return "average square loss over all d rows"
        return "excess risk" if self.name == "noisy" else "excess logistic risk (KL)"

    @property
    def loss_name(self) -> str:
        """The training loss: square loss, or logistic loss on ``logistic``."""
        return "logistic loss" if self.name == "logistic" else "square loss"

    @property
    def bound_label(self) -> str:
        return {
            "hadamard": "1 − k/d",
            "pm1": "(1 − k/d)²",
            "gaussian": "(1 − k/d)²",
            "noisy": "σ²d/(n − d − 1)",
            "logistic": "rate (d − 1)/n",
        }[self.name]

    def params(self) -> dict[str, Any]:
        """The parameters that matter for this problem (recorded in JSON)."""
        if self.name == "noisy":
            return {"sigma": self.sigma}
        if self.name == "logistic":
            return {"s": self.s, "beta": self.beta}
        return {}

    def n_max(self, d: int) -> int:
        return d if self.nested else SWEEP * d

    def check(self, d: Any) -> None:
        check_d(d, self.name)
        if self.name == "logistic" and not 1 <= self.s <= d:
            raise UsageError(f"--sparsity must be in 1..d={d}, got {self.s}")

    # -- drawing
    def draw(self, d: int, n: int, rng: np.random.Generator) -> Draw:
        """An instance with n training rows (the paper's problems: all d rows, n is ignored)."""
        if self.name == "hadamard":
            signs = rng.choice(np.array([-1.0, 1.0]), size=d)
            X = signs[:, None] * sylvester(d)[rng.permutation(d)]
        elif self.name == "pm1":
            X = rng.choice(np.array([-1.0, 1.0]), size=(d, d))
        elif self.name == "gaussian":
            X = rng.standard_normal((d, d))
        else:
            X = rng.standard_normal((n, d))
        if self.nested:
            y = X[:, 0].copy()
            return Draw(X, y, X, y, y)
        X_test = _sphere_points(d, SWEEP, rng)
        w = self.weights(d)
        f_train, f_test = X @ w, X_test @ w
        if self.name == "noisy":
            y = f_train + self.sigma * rng.standard_normal(n)
        else:
            y = np.where(rng.random(n) < expit(f_train), 1.0, -1.0)
        return Draw(X, y, X_test, f_train, f_test)

    def weights(self, d: int) -> np.ndarray:
        """The target parameter w*: e₁, or β/√s on the first s coordinates (``logistic``)."""
        w = np.zeros(d)
        if self.name == "logistic":
            w[: self.s] = self.beta / math.sqrt(self.s)
        else:
            w[0] = 1.0
        return w

    # -- measuring
    def test_loss(self, pred: np.ndarray, draw: Draw) -> float:
        """The curve's value: square loss over the d rows, excess risk, or excess logistic risk."""
        if self.name == "logistic":
            z = draw.f_test
            p = expit(z)
            risk = p * _softplus(-pred) + (1 - p) * _softplus(pred)
            best = p * _softplus(-z) + (1 - p) * _softplus(z)
            return float(np.mean(risk - best))
        return float(np.mean((pred - draw.f_test) ** 2))

    def train_loss(self, pred: np.ndarray, y: np.ndarray) -> float:
        """Mean training loss of predictions ``pred`` on labels ``y`` (square, or logistic)."""
        if self.name == "logistic":
            return float(np.mean(_softplus(-y * pred)))
        return float(np.mean((pred - y) ** 2))

    def bound(self, d: int, ks: Any) -> np.ndarray:
        """The reference curve at each k (n); NaN where it is undefined (``noisy`` below n = d + 2)."""
        k = np.asarray(ks, dtype=float)
        if self.name == "hadamard":
            return 1.0 - k / d
        if self.name in ("pm1", "gaussian"):
            return (1.0 - k / d) ** 2
        if self.name == "noisy":
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(k >= d + 2, self.sigma**2 * d / (k - d - 1), np.nan)
        return (d - 1) / k


def problem_of(name: Any, **params: Any) -> Problem:
    """The :class:`Problem` called ``name`` with ``params`` (``sigma``, ``s``, ``beta``); a one-line
    :class:`UsageError` for an unknown name or a bad parameter."""
    if isinstance(name, Problem):
        return name
    if name not in PROBLEMS:
        raise UsageError(f"unknown problem {name!r}; choose one of: {', '.join(PROBLEMS)}")
    given = {k: v for k, v in params.items() if v is not None}
    sigma = given.get("sigma", 1.0)
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not (sigma >= 0 and math.isfinite(sigma)):
        raise UsageError(f"--sigma must be a finite number ≥ 0, got {sigma!r}")
    s = given.get("s", 4)
    if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
        raise UsageError(f"--sparsity must be an integer ≥ 1, got {s!r}")
    beta = given.get("beta", 2.0)
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not (beta > 0 and math.isfinite(beta)):
        raise UsageError(f"--beta must be a finite number > 0, got {beta!r}")
    return Problem(name, sigma=float(sigma), s=int(s), beta=float(beta))
