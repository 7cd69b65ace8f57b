"""What a report section is: its learners' targets (:class:`SectionSpec`) and the learning curves it
measures (:class:`CurvePlan`). Plain data, shared by :mod:`invariance.report.measure` (which sections
there are) and :mod:`invariance.report.runs` (running one)."""

from __future__ import annotations

from dataclasses import dataclass

from invariance.curves.experiment import k_grid
from invariance.curves.problems import problem_of

__all__ = ["CurvePlan", "SectionSpec"]


@dataclass(frozen=True)
class CurvePlan:
    """Which learning curves a section measures: dimension(s), trials, ks (:meth:`ks`) and problems.

    ``dims`` (default: just ``d``) runs every problem at each of several dimensions (the logistic
    section's d = 32 … 256); a run is keyed by its problem, or ``problem-dD`` when there are several."""

    d: int
    trials: int
    k_step: int = 1
    problems: tuple[str, ...] = ("hadamard", "pm1")
    dims: tuple[int, ...] = ()

    def ks(self, problem: str = "hadamard", d: int | None = None) -> list[int]:
        """``k_step, 2·k_step, …`` up to d (4d on the follow-up problems), plus d/2 and the end
        (every k when ``k_step`` is 1); ``k_step`` scales with d/``self.d`` for the other ``dims``.

        Multiples rather than ``1, 1 + step, …``: a coarse grid then skips k = 1, which estimators that
        need two or three samples (ARD, PLS, k-nearest neighbours) refuse."""
        d = self.d if d is None else d
        step = max(1, self.k_step * d // self.d)
        top = problem_of(problem).n_max(d)
        return k_grid(d, ks=sorted(set(range(step, top + 1, step)) | {top}), n_max=top)

    def runs(self) -> list[tuple[str, str, int]]:
        """(key, problem, d) for every curve set the section measures."""
        dims = self.dims or (self.d,)
        return [(p if len(dims) == 1 else f"{p}-d{d}", p, d) for p in self.problems for d in dims]

    def to_json(self) -> dict:
        out = {"d": self.d, "trials": self.trials, "k_step": self.k_step, "problems": list(self.problems),
               "ks": self.ks(self.problems[0])}
        if self.dims:
            out["dims"] = list(self.dims)
        return out


@dataclass(frozen=True)
class SectionSpec:
    """One part of the report: a title, the targets that load its learners, its curve plan."""

    key: str
    title: str
    description: str
    targets: tuple[str, ...]
    plan: CurvePlan | None
    requires: str | None = None  # a module that must be importable (torch, sklearn)
    install: str | None = None  # how to get it
    order: tuple[str, ...] = ()  # preferred order of the learners by name
    #: adapter options of the checks only (the atlas: a 3×d layer); the curves load the targets without
    check_options: tuple[tuple[str, object], ...] = ()
    #: the section's check budget where the command line sets none (the atlas: 50 examples, 100 seeds)
    max_examples: int | None = None
    samples: int | None = None
    #: curve hyperparameters that are not tuned (the atlas: passes, only the learning rate is)
    tune_fixed: tuple[str, ...] = ()
    #: "learners" (the paper's problems or the follow-ups) or "atlas" (optimizer rows with their reasons)
    kind: str = "learners"
    #: why the section cannot be measured here although its package is installed (it fails to import)
    broken: str | None = None
