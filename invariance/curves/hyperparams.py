"""Hyperparameters for the learning curves: the paper settings of the built-ins, and binding them.

:data:`PAPER_SETTINGS` is what ``invcheck curves`` gives each built-in learner unless told otherwise;
:func:`configure` binds keyword hyperparameters to any learner (``--set NAME.KEY=VALUE``), re-loading
an adapter target (torch, scikit-learn) when the key is one of its options. Used by
:mod:`invariance.curves`, which re-exports these names.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from invariance.contract import Learner, declaration_of
from invariance.errors import UsageError
from invariance.probe.stacks import stacking

if TYPE_CHECKING:
    from invariance.workers import Workers

__all__ = ["TORCH_OPTIMIZERS", "TORCH_UNITS", "TORCH_PASSES", "TORCH_CURVE_SETTINGS", "NO_FIT_REASONS", "no_fit_reason",
           "curve_settings", "bound_params", "portable", "rebuild", "run_per_learner", "PAPER_SETTINGS", "PerD",
           "ONE_OVER_D", "HALF_OVER_D", "paper_settings_for", "configure", "hyperparameters", "settable"]


@dataclass(frozen=True)
class PerD:
    """A hyperparameter that depends on the dimension: the value is ``fn(d)``, documented as ``text``."""

    fn: Callable[[int], Any]
    text: str

    def __call__(self, d: int) -> Any:
        return self.fn(d)

    def __repr__(self) -> str:
        return self.text


ONE_OVER_D = PerD(lambda d: 1.0 / d, "1/d")
HALF_OVER_D = PerD(lambda d: 0.5 / d, "1/(2d)")

#: Hyperparameters ``invcheck curves`` gives the built-in learners (docs/design.md#learning-curves) unless told
#: otherwise: ``--set`` overrides an entry key by key, ``--learner-defaults`` switches the table off. Keyed by
#: the function's ``module:qualname``, so ``algorithms``, ``algorithms.egu`` and ``algorithms.egu:egu``
#: find the same entry; a :class:`PerD` value is resolved for the run's d. Every entry is explicit,
#: so a change of a learner's defaults does not silently change the reproduction.
#:
#: The paper gives no learning rates for its figure; Amid & Warmuth (COLT 2020) train "until
#: consistency" on the examples seen. The iterative built-ins share ``algorithms._loop``: inputs
#: scaled to max ‖x‖ = 1 ("norm") or max |x_i| = 1 ("entry"), one example per step, and an
#: overshoot guard that shortens a step to the line minimum of its loss. Rules applied:
#:
#: * **consistency**: ``passes`` is the smallest of {1, 2, 3, 5, 10} whose mean square loss on the
#:   k training rows is ≤ 1e-2 at k = 14 ≈ 2 log₂ d and k = 64 = d/2 (worst of two Hadamard and two
#:   random ±1 draws), else 10: EGU and spindly± reach 1.2e-2 and 1.4e-2 at 10 passes (the weights
#:   of unused coordinates decay slowly); adagrad_full is held at one pass for cost (see its line);
#: * **invariant learners** start at w = 0 with η = 1 in scaled units: the guard caps every step at
#:   an exact fit of its example (Kaczmarz), so one pass is min-norm least squares on the
#:   orthogonal Hadamard rows;
#: * **multiplicative / spindly learners** start with total weight 1 = ‖e₁‖₁: w₀ = (1/d)·1 (the
#:   start that minimises EGU's relative-entropy bound log(1/w₀) − 1 + d·w₀), and w⁺₀ = w⁻₀ = 1/(2d)
#:   for the ± versions (the usual EG± start); η is the largest of {0.1, 0.3, 1} that stays finite on
#:   random ±1 rows and reaches loss 0.1 soonest on Hadamard (η = 1 makes EGU and EG± diverge on ±1
#:   rows at d = 128: the guard is first-order and exp is not).
#:
#: Chosen on d = 128 with seed 1 and 2 trials (``benchmarks/bench_curves.py`` reports the result).
PAPER_SETTINGS: dict[str, dict[str, Any]] = {
    # closed forms: nothing to train
    "algorithms.least_squares:least_squares": {"rcond": 1e-10},
    # the forecaster's own ridge ε = 1 (x² = d here, so ε is negligible); it puts the test x in its
    # matrix, which halves its in-sample predictions: loss (1 − k/d) + k/(4d) on Hadamard
    "algorithms.vaw:vaw": {"eps": 1.0},
    # invariant, from w = 0 (rules above)
    "algorithms.gd:gd": {"eta": 1.0, "passes": 5},
    # A = εI + Σ g gᵀ grows with every revisit and shrinks the steps: η = 3 (capped by the guard)
    # fits in one pass to 9e-3 where η = 1 needs 5 passes for 2e-3
    "algorithms.newton:newton": {"eta": 3.0, "eps": 1e-2, "passes": 1},
    # one pass: a d×d eigendecomposition per step makes a pass over every k cost d²/2 steps × ≈ 2 ms
    # at d = 128. Its first step along a new direction has length η whatever the residual, so η = 2
    # lets the guard fit residuals up to 2 exactly: exact on Hadamard (orthogonal rows); on random ±1
    # the training loss is 8e-3 at k = 14 and 4e-2 at k = d/2, where its loss is 0.22 (LS: 0.24)
    "algorithms.adagrad_full:adagrad_full": {"eta": 2.0, "delta": 1e-6, "passes": 1},
    # pm1-invariant: on ±1 rows every g⊙g is r²·1, so it moves as GD does (same rule, same curve)
    "algorithms.adagrad_diag:adagrad_diag": {"eta": 1.0, "delta": 1e-8, "passes": 5},
    # |step| ≈ η per coordinate whatever the residual, so a ±1 prediction moves by up to η·d a step:
    # η = 1/(2d) keeps that at ½ (η ≥ 0.01 oscillates at d = 128) and reaches w₁ = 1 in 2d steps;
    # 10 passes fit k ≥ 2 log₂ d to ≤ 1e-3 for d = 16…128 (5 suffice at d = 128, not at d = 16)
    "algorithms.adam:adam": {"eta": HALF_OVER_D, "b1": 0.9, "b2": 0.999, "eps": 1e-8, "passes": 10},
    # one full-batch step a pass, so passes are counted in steps: 200 fit to 2e-10 (cheap: one
    # matrix product a step; 40 would meet the 1e-2 rule)
    "algorithms.adagrad_diag_batch:adagrad_diag_batch": {"eta": 1.0, "delta": 1e-8, "passes": 200},
    # multiplicative / spindly (rules above)
    "algorithms.egu:egu": {"eta": 0.3, "init": ONE_OVER_D, "passes": 10},
    "algorithms.eg_pm:eg_pm": {"eta": 0.1, "init": HALF_OVER_D, "passes": 10},
    # the guard caps spindly steps from η ≈ 0.25 on, so η = 0.3 and η = 1 give the same curve
    "algorithms.spindly:spindly": {"eta": 0.3, "init": ONE_OVER_D, "passes": 10},
    "algorithms.spindly_pm:spindly_pm": {"eta": 0.3, "init": HALF_OVER_D, "passes": 10},
    # η_i = η|w_i| with η = 1 and the guard halves the consistent candidates with every ±1 example
    "algorithms.private_lr:private_lr": {"eta": 1.0, "init": ONE_OVER_D, "passes": 10},
}


def _fn_key(fn: Callable) -> str:
    fn = inspect.unwrap(fn)
    while isinstance(fn, functools.partial):
        fn = fn.func
    return f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', type(fn).__name__)}"


def paper_settings_for(learner: Learner, d: int) -> dict[str, Any]:
    """The :data:`PAPER_SETTINGS` entry for a built-in learner in dimension d, ``{}`` for any other."""
    entry = PAPER_SETTINGS.get(_fn_key(learner.fn), {})
    return {k: (v(d) if isinstance(v, PerD) else v) for k, v in entry.items()}


def hyperparameters(fn: Callable) -> list[str]:
    """Names ``fn`` takes by keyword after the three data arguments, ``rng`` excluded."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return []
    named = [p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return [p.name for p in named[3:] if p.name != "rng"] if len(named) >= 3 else []


def settable(learner: Learner) -> list[str]:
    """The hyperparameters :func:`configure` can set: the function's keyword parameters (after the
    three data arguments, ``rng`` excluded), then the adapter's recorded options."""
    adapter = [k for k in (learner.options or {}) if k != "description"]  # description is a label
    return hyperparameters(learner.fn) + adapter


def configure(learner: Learner, params: dict[str, Any]) -> Learner:
    """``learner`` with keyword hyperparameters ``params`` bound (``functools.partial``).

    A key the function does not take but the learner records among its ``options`` (the torch
    adapter's passes, lr, …) is passed to the adapter by re-loading ``learner.target`` with those
    options; anything else is a :class:`UsageError` that lists what the learner accepts.
    """
    if not params:
        return learner
    accepted = hyperparameters(learner.fn)
    direct = {k: v for k, v in params.items() if k in accepted}
    rest = {k: v for k, v in params.items() if k not in accepted}
    unknown = [k for k in rest if k not in settable(learner)]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], settable(learner), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        takes = ", ".join(settable(learner)) or "nothing"
        raise UsageError(
            f"learner {learner.name!r} has no hyperparameter {unknown[0]!r}; {hint}it takes: {takes}"
        )
    out = learner
    if rest:
        from invariance.targets import load

        # the adapter's other options stay as they were (an optimizer_kwargs or batch_size set before)
        kept = {k: v for k, v in (learner.options or {}).items() if k != "description"}
        reloaded = load(learner.target, options={**kept, **rest})
        if len(reloaded) != 1:
            raise UsageError(f"cannot set {sorted(rest)} on {learner.target!r}: it names {len(reloaded)} learners")
        out = replace(reloaded[0], name=learner.name, expected=learner.expected)
    if direct:
        fn = functools.partial(out.fn, **direct)
        stacks: dict = {}
        if out.batch is not None:  # the batch path was the old function's: measure the new one's
            decl = declaration_of(out.fn)
            stacks = (stacking(fn, decl.outputs) if decl is not None and decl.batched
                      else {"batch": None, "batch_note": "one by one: hyperparameters set on the call"})
        out = replace(out, fn=fn, **stacks)
    return out


# ---------------------------------------------------------------- the torch.optim curves (the report)

#: Every dense optimizer of ``torch.optim`` (torch 2.13), in the order of the issue.
TORCH_OPTIMIZERS = (
    "Adafactor", "Muon", "Adadelta", "Adagrad", "Adam", "Adamax", "AdamW", "ASGD", "LBFGS", "NAdam",
    "RAdam", "RMSprop", "Rprop", "SGD",
)
#: The unit of each optimizer's learning rate on ±1 rows (‖x‖² = ‖x‖₁ = d): gradient and
#: per-coordinate steps move a prediction by lr·d, Muon's unit-spectral-norm step by lr·√d, and
#: Adafactor (steps relative to ‖w‖) and Adadelta (self-scaled steps) are unit-free.
TORCH_UNITS = {name: "1/d" for name in TORCH_OPTIMIZERS} | {"Muon": "1/sqrt(d)", "Adafactor": "1", "Adadelta": "1",
                                                            "LBFGS": "1"}
#: Passes over the k training examples for the torch curves (the adapter's default for the verdict).
TORCH_PASSES = 3

_UNIT = {"1/d": lambda c: PerD(lambda d: c / d, f"{c:g}/d"),
         "1/sqrt(d)": lambda c: PerD(lambda d: c / math.sqrt(d), f"{c:g}/√d"),
         "1": lambda c: c}
#: ``c`` per optimizer in the unit of :data:`TORCH_UNITS`: the value from the grid of
#: ``benchmarks/tune_report_torch.py`` (c ∈ 2⁻⁶…2⁴, or 0.01…10 where unit-free; d = 128, seed 1,
#: 3 passes) with the smallest worst training loss at k = 14 and k = d/2 on two Hadamard and two
#: random ±1 draws (the consistency rule of ``PAPER_SETTINGS``), NaN and overflow excluded.
_TORCH_C = {
    "Adafactor": 1.0,  # its step is relative to ‖w‖ (floor 1e-3) and capped at 1/√t: c ≥ 1 all alike
    "Muon": 0.125,
    "Adadelta": 1.0,
    "Adagrad": 4.0,
    "Adam": 1.0,
    "Adamax": 1.0,
    "AdamW": 1.0,
    "ASGD": 1.0,  # ≈ SGD here: its averaging starts at t0 = 1e6 steps, its decay λ = 1e-4 is tiny
    "LBFGS": 0.03,  # not an online method: every rate ≥ 0.1 diverges, and 0.03 barely moves
    "NAdam": 1.0,
    "RAdam": 1.0,
    "RMSprop": 0.5,
    "Rprop": 1 / 32,  # the initial per-coordinate step; Rprop grows it ×1.2 while signs agree
    "SGD": 1.0,  # lr = 1/d fits each ±1 example exactly (Kaczmarz): min-norm least squares on Hadamard
}
TORCH_CURVE_SETTINGS: dict[str, dict[str, Any]] = {
    name: {"lr": _UNIT[TORCH_UNITS[name]](_TORCH_C[name]), "passes": TORCH_PASSES} for name in TORCH_OPTIMIZERS
}
# L-BFGS is a batch method: one example a step feeds its curvature pairs from different losses and
# diverges at every rate ≥ 0.1 (2⁻⁶…2⁴ tried). Given the whole prefix as one batch (batch_size = d ≥ k)
# with a strong-Wolfe line search it fits Hadamard to 1e-31 in 3 passes at lr = 1.
TORCH_CURVE_SETTINGS["LBFGS"] = {
    "lr": 1.0, "passes": TORCH_PASSES, "batch_size": PerD(lambda d: d, "d"),
    "optimizer_kwargs": {"line_search_fn": "strong_wolfe"},
}


#: Why a learner cannot fit its training examples whatever the grid, where that is a property of the
#: learner and not of its tuning (the report's "did not fit" flags quote it; any other learner that
#: does not fit is explained by its tuning record: the grid's best point and its training loss).
NO_FIT_REASONS: dict[str, str] = {
    "algorithms.vaw:vaw": "by design: the forecaster puts the point it predicts into its own matrix "
    "(εI + XᵀX + xxᵀ)⁻¹, which halves its prediction at a training row of a ±1 problem; nothing to tune",
    "algorithms.logistic_gd:logistic_gd": "by design: it minimises the logistic loss of ±1 labels and predicts "
    "logits, not the square loss of these regression rows; its curves are the logistic section's",
    "algorithms.logistic_uv:logistic_uv": "by design: it minimises the logistic loss of ±1 labels and predicts "
    "logits, not the square loss of these regression rows; its curves are the logistic section's",
}


def no_fit_reason(learner: Learner) -> str | None:
    """The curated reason :data:`NO_FIT_REASONS` (or the scikit-learn zoo's) gives for ``learner``."""
    if learner.target in NO_FIT_REASONS:
        return NO_FIT_REASONS[learner.target]
    module, _, name = learner.target.partition(":")
    if module == "invariance.report.zoo_sklearn":
        from invariance.report.zoo_sklearn import NO_FIT

        return NO_FIT.get(name)
    return None


def curve_settings(learner: Learner, d: int) -> dict[str, Any]:
    """The hyperparameters the curves start from for ``learner`` in dimension d (resolved numbers):
    :data:`PAPER_SETTINGS`, :data:`TORCH_CURVE_SETTINGS`, or nothing; the centre of the tuning grid
    (:mod:`invariance.curves.fitting`)."""
    paper = paper_settings_for(learner, d)
    if paper:
        return paper
    module, _, name = learner.target.partition(":")
    if module == "torch.optim" and name in TORCH_CURVE_SETTINGS:
        return {k: (v(d) if isinstance(v, PerD) else v) for k, v in TORCH_CURVE_SETTINGS[name].items()}
    return {}


def bound_params(learner: Learner) -> dict[str, Any]:
    """The keyword hyperparameters :func:`configure` bound to ``learner``'s function (``functools.partial``
    layers, outermost last), so that a remote worker can rebuild the same learner (:func:`rebuild`)."""
    layers = []
    fn = learner.fn
    while isinstance(fn, functools.partial):
        layers.append(dict(fn.keywords))
        fn = fn.func
    out: dict[str, Any] = {}
    for kw in reversed(layers):
        out.update(kw)
    return out


def portable(learner: Learner) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    """``(target, name, options, params)``: what a remote worker needs to :func:`rebuild` ``learner``
    (it must be :attr:`~invariance.contract.Learner.reloadable`)."""
    return learner.target, learner.name, dict(learner.options or {}), bound_params(learner)


def rebuild(target: str, name: str, options: dict[str, Any] | None, params: dict[str, Any]) -> Learner:
    """The learner ``target`` re-loaded (with its adapter ``options``) and configured with ``params``:
    what a Dask worker measures, equal to the configured learner it was sent from."""
    from invariance.targets import load

    opts = {k: v for k, v in (options or {}).items() if k != "description"}
    found = [lrn for lrn in load(target, options=opts or None) if lrn.target == target or lrn.name == name]
    if not found:
        raise RuntimeError(f"worker could not re-load {target}")
    return configure(found[0], params)


def run_per_learner(fn: Callable[..., Any], learners: list[Learner], units: list[tuple], workers: Workers | None,
                    *, what: str, each: Callable[[int, Any], None] | None = None) -> list:
    """``[fn(learners[i], *rest) for (i, *rest) in units]``, run where ``workers`` says, in unit order
    (:func:`invariance.workers.run_units`; ``fn`` module-level, ``rest`` picklable). To local processes
    the learners go as themselves (``shared``: closures and learner files too); to a Dask cluster as
    their targets, each unit re-building its learner there (:func:`rebuild`), while the units of a
    learner that is not re-loadable run in this process meanwhile. ``each(j, result)`` is called here
    as unit j finishes."""
    from invariance.workers import Workers, run_units

    workers = workers if workers is not None else Workers()
    units = [tuple(u) for u in units]
    if workers.dask is None:
        return run_units(_with_learner, [(fn, *u) for u in units], workers, shared=tuple(learners), what=what,
                         each=each)
    remote = [j for j, u in enumerate(units) if learners[u[0]].reloadable]
    here = [j for j in range(len(units)) if j not in set(remote)]
    out: list[Any] = [None] * len(units)

    def finished(j: int, result: Any) -> None:
        out[j] = result
        if each is not None:
            each(j, result)

    def run_here() -> None:
        for j in here:
            finished(j, fn(learners[units[j][0]], *units[j][1:]))

    run_units(_with_rebuilt, [(fn, portable(learners[units[j][0]]), *units[j][1:]) for j in remote], workers,
              each=lambda k, result: finished(remote[k], result), meanwhile=run_here if here else None)
    return out


def _with_learner(learners: tuple[Learner, ...], fn: Callable[..., Any], i: int, *rest: Any) -> Any:
    return fn(learners[i], *rest)


def _with_rebuilt(fn: Callable[..., Any], portable: tuple, *rest: Any) -> Any:
    return fn(rebuild(*portable), *rest)
