"""The :class:`Curves` result type: measured learning curves, their summaries and their JSON
(docs/design.md#learning-curves). :mod:`invariance.curves.experiment` measures them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from invariance.curves.problems import Problem, problem_of

__all__ = ["Curves", "finite_or_none"]

def finite_or_none(v: float) -> float | None:
    """``float(v)``, or None for NaN and ±inf (JSON has neither)."""
    return float(v) if np.isfinite(v) else None


@dataclass(frozen=True)
class Curves:
    """Measured learning curves: ``losses[t, i, j]`` is trial t, learner i, ``ks[j]``.

    ``train[t, i, j]`` is the learner's training loss on its k examples (square loss, or logistic
    loss on ``logistic``) and ``target_train[t, j]`` that of the true parameter on the same examples;
    ``params`` are the problem's parameters (σ, s, β). ``settings`` records each learner's
    hyperparameters and ``tuning`` how they were chosen (:mod:`invariance.curves.fitting`).
    """

    problem: str
    d: int
    ks: tuple[int, ...]
    seed: int
    targets: tuple[str, ...]
    names: tuple[str, ...]
    losses: np.ndarray
    seconds: tuple[float, ...]
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    train: np.ndarray | None = None
    target_train: np.ndarray | None = None
    params: dict[str, Any] = field(default_factory=dict)
    tuning: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def spec(self) -> Problem:
        return problem_of(self.problem, **self.params)

    @property
    def trials(self) -> int:
        return int(self.losses.shape[0])

    @property
    def bound(self) -> np.ndarray:
        return self.spec.bound(self.d, self.ks)

    def mean(self) -> np.ndarray:
        """Mean over trials, shape (learners, ks)."""
        return self.losses.mean(axis=0)

    def sem(self) -> np.ndarray:
        """Each learner's standard error of its mean curve, shape (learners,): the sample variance over
        trials, pooled over the ks (two or three trials give too rough a figure at one k), over the
        number of trials; 0 with one trial (no spread to measure) and where a loss is not finite."""
        if self.trials < 2:
            return np.zeros(self.losses.shape[1])
        with np.errstate(invalid="ignore"):
            var = np.nanmean(np.var(self.losses, axis=0, ddof=1), axis=1)
        return np.where(np.isfinite(var), np.sqrt(np.nan_to_num(var) / self.trials), 0.0)

    def train_mean(self) -> np.ndarray | None:
        """Mean training loss over trials, shape (learners, ks); None when not measured."""
        return None if self.train is None else self.train.mean(axis=0)

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

    def fit_at(self, k: int) -> list[dict[str, Any]]:
        """Per learner at ``k``: training loss, the true parameter's, and whether it fits
        (:func:`invariance.judge.fits`)."""
        from invariance.judge import FIT_TOLERANCE, fits

        if self.train is None or self.target_train is None:
            return [{} for _ in self.targets]
        j = self.ks.index(k)
        target = float(self.target_train[:, j].mean())
        out = []
        for i in range(len(self.targets)):
            train = float(self.train[:, i, j].mean())
            out.append({"k": int(k), "train_loss": finite_or_none(train), "target_loss": target,
                        "tolerance": FIT_TOLERANCE, "fits": bool(fits(train, target))})
        return out

    def to_json(self) -> dict[str, Any]:
        """The docs/design.md#contracts object plus extra keys (never fewer): band, trials, seed, settings, …"""
        lo, hi = self.band()
        mean = self.mean()
        out = {
            "problem": self.problem,
            "d": self.d,
            "ks": list(self.ks),
            "bound": [finite_or_none(b) for b in self.bound],
            "curves": {t: [float(v) for v in mean[i]] for i, t in enumerate(self.targets)},
            "band": {
                "quantiles": [0.1, 0.9],
                **{t: {"lo": [float(v) for v in lo[i]], "hi": [float(v) for v in hi[i]]}
                   for i, t in enumerate(self.targets)},
            },
            "names": dict(zip(self.targets, self.names, strict=True)),
            "first_k_below_0.1": dict(zip(self.targets, self.first_below(0.1), strict=True)),
            "trials": self.trials,
            "seed": self.seed,
            "settings": {t: dict(self.settings.get(t, {})) for t in self.targets},
            "seconds": dict(zip(self.targets, self.seconds, strict=True)),
        }
        if self.params:
            out["params"] = dict(self.params)
        train = self.train_mean()
        if train is not None:
            out["metric"] = self.spec.metric
            out["train_loss"] = self.spec.loss_name
            out["train_curves"] = {t: [finite_or_none(v) for v in train[i]] for i, t in enumerate(self.targets)}
            assert self.target_train is not None  # measured with the training curves
            out["target_train"] = [float(v) for v in self.target_train.mean(axis=0)]
            half = self.d // 2
            out["fit"] = dict(zip(self.targets, self.fit_at(half), strict=True))
        if self.tuning:
            out["tuning"] = {t: self.tuning[t] for t in self.targets if t in self.tuning}
        return out
