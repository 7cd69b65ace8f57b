"""The one place results and counterexamples are built (deterministic searches and law tests alike)."""

from __future__ import annotations

import shlex
import time
from typing import Any

import numpy as np

from invariance.contract import Learner
from invariance.data import rotations
from invariance.options import ADAPTER, CHANGED, DOMAIN, NEVER, OPTIONS, RANDOMIZED, SET, Option, by_name
from invariance.probe.call import Caller
from invariance.result.model import Counterexample, PropertyReport, Result
from invariance.settings import CheckConfig
from invariance.verdict import Diagnosis, Symmetry, Verdict

__all__ = ["counterexample", "law_counterexample", "no_verdict", "replay_info", "verdict_result", "warnings_of"]

POSITIVE_LABELS_NOTE = (
    "the learner raised on every generic problem but accepts positive labels; every call was given 1 + |y| "
    "instead of y (shown as y_train), which changes nothing about rotations of X"
)


def command_for(target: str, config: CheckConfig, *, randomized: bool = False) -> str | None:
    """The ``invcheck`` command that repeats this check from the directory it ran in, or None when the
    target cannot be re-imported (a lambda, a function defined inside another). Its flags follow
    :data:`invariance.options.OPTIONS` (each option's ``replay`` says when), the repeated ``--opt`` last."""
    if target.startswith("<"):
        return None
    words = ["invcheck", target]
    for option in sorted(OPTIONS, key=lambda o: o.repeated):
        words += _replay_words(option, _value_in(config, option), randomized)
    return " ".join(shlex.quote(w) for w in words)


def _value_in(config: CheckConfig, option: Option) -> Any:
    if option.home == DOMAIN:
        return None if config.domain is None else getattr(config.domain, option.key)
    if option.home == ADAPTER:
        return config.options.get(option.key)
    return getattr(config, option.key)


def _replay_words(option: Option, value: Any, randomized: bool) -> list[str]:
    """The words that set ``option`` to ``value`` in the replay command (none where it needs none)."""
    import json

    if option.replay == NEVER or (option.replay == RANDOMIZED and not randomized):
        return []
    if option.replay == CHANGED and value == option.default:
        return []
    if option.replay in (SET, CHANGED) and value is None:
        return []
    if option.action == "store_true":
        return [option.flag] if value else []
    if option.repeated:
        items = [f"{key}={json.dumps(v, separators=(',', ':'))}" for key, v in (value or {}).items()]
        return [word for item in items for word in (option.flag, item)]
    return [option.flag, option.replay_format.format(value)]


def replay_info(learner: Learner, config: CheckConfig, *, blob: str | None = None, randomized: bool = False) -> dict:
    command = command_for(learner.target, config, randomized=randomized)
    opts = learner.options or {}
    if (command is not None and config.options.get("lr") is None and opts.get("lr") is not None
            and opts.get("lr_source")):
        # the optimizer's own default lr, written out: the command replays the same run if a default moves
        command += f" {by_name('lr').flag} {opts['lr']:g}"
    out = {"seed": config.seed, "command": command, "reproduce_failure": blob}
    if command is None:
        if learner.target.endswith(" in __main__>"):  # defined in a notebook or the REPL: no file to import
            out["note"] = (f"{learner.target} was defined in an interactive session (a notebook, the REPL), which no "
                           "command can re-import: call result.counterexample.replay() in the session, or move "
                           "it into a file and check FILE.py:NAME")
        else:
            out["note"] = (f"{learner.target} cannot be re-imported: define it at module level, or call "
                           "result.counterexample.replay() in the same session")
    return out


def counterexample(outcome, *, caller: Caller, shrunk: bool, replay: dict, scaling: dict | None = None,
                   notes: dict | None = None) -> Counterexample:
    """A deterministic violation (a :class:`~invariance.search.run.Outcome`) with what was measured beside it."""
    case = outcome.case
    return Counterexample(
        property=case.property,
        U=case.U,
        U_description=(
            "Gram twin: Z′ = Z Uᵀ with U recovered by Procrustes" if case.family == "gram-twin"
            else rotations.describe(case.U)
        ),
        X_train=case.X_train,
        y_train=caller.labels(case.y_train),
        X_test=case.X_test,
        X_train_transformed=case.X_train_t,
        X_test_transformed=case.X_test_t,
        y_hat=outcome.y_hat,
        y_hat_transformed=outcome.y_hat_t,
        deviation=outcome.deviation,
        threshold=outcome.threshold,
        noise=outcome.noise,
        family=case.family,
        data_kind=case.data_kind,
        shrunk=shrunk,
        replay_info=replay,
        error=outcome.error,
        scaling=scaling,
        notes={**case.notes, **(notes or {})},
        caller=caller,
        V=case.V,
        y_train_transformed=None if case.y_train_t is None else caller.labels(case.y_train_t),
    )


def law_counterexample(case, A: np.ndarray, B: np.ndarray, *, caller: Caller, statistic: float, p: float,
                       alpha: float, replay: dict) -> Counterexample:
    """A rejection of the two-sample test: the fixed problem, and each side's mean prediction."""
    return Counterexample(
        property=case.property,
        U=case.U,
        U_description=rotations.describe(case.U) if case.family != "gram-twin" else "Gram twin",
        X_train=case.X_train,
        y_train=caller.labels(case.y_train),
        X_test=case.X_test,
        X_train_transformed=case.X_train_t,
        X_test_transformed=case.X_test_t,
        y_hat=A.mean(axis=0),
        y_hat_transformed=B.mean(axis=0),
        deviation=float(statistic),
        threshold=alpha,
        noise=0.0,
        family=case.family,
        data_kind=case.data_kind,
        shrunk=False,
        replay_info=replay,
        notes={"y_hat": "mean prediction over the seeds of each side", "p_value": p, "deviation": "KS statistic"},
    )


def warnings_of(caller: Caller, reports=(), law_skips: dict | None = None,
                law_diverged: dict | None = None) -> tuple[str, ...]:
    """What the reader must know beside the verdict: relabelled y, mutated inputs, refused examples."""
    out = []
    if caller.profile.positive_labels:
        out.append(POSITIVE_LABELS_NOTE)
    if caller.mutated:
        out.append(
            f"the learner modifies its inputs in place ({', '.join(caller.mutated)}); the checker hands every call "
            "fresh copies, so the verdict is unaffected, but callers of this learner may be surprised"
        )
    for r in reports:
        refused = r.skipped_by_cause[0]
        if refused > 0:
            shown = f" (smallest: {r.refused[0]})" if r.refused else ""
            out.append(
                f"{r.name}: the learner refused {refused} of {r.examples} examples on both sides{shown}; those are "
                "not counterexamples and were skipped"
            )
    for name, diverged in (law_diverged or {}).items():
        if diverged:
            out.append(f"{name}: {diverged} of the seeds drawn returned NaN/inf (a diverging run); they enter the law "
                       "test as an atom of their own")
    for name, (skipped, total) in (law_skips or {}).items():
        if skipped:
            out.append(
                f"{name}: the learner refused {skipped} of {total} fixed problems on both sides (raised the same way); "
                "they were skipped"
            )
    return tuple(out)


def _result(learner: Learner, caller: Caller, t0: float, **fields) -> Result:
    """Every Result is made here: the learner's identity and declaration, the tally, the wall time."""
    fields.setdefault("precision", caller.profile.precision)
    fields.setdefault("precision_note", caller.profile.precision_note)
    fields.setdefault("fits", _fits(learner, caller))
    return Result(target=learner.target, name=learner.name, expected=learner.expected, reason=learner.reason,
                  evaluations=caller.evaluations, seconds=time.perf_counter() - t0, **fields)


def _fits(learner: Learner, caller: Caller) -> str | None:
    """Which path the fits took (:attr:`Result.fits`)."""
    if caller.tally.batch_off is not None:
        return f"batched, then one by one: {caller.tally.batch_off}"
    return learner.batch_note


def no_verdict(learner: Learner, caller: Caller, t0: float, message: str, *, diagnosis: Diagnosis | None = None,
               detail: str | None = None, warnings=(), skipped: bool = False, deviation: dict | None = None,
               properties: dict | None = None, domain=None, distribution: dict | None = None) -> Result:
    """A result without a verdict: a diagnosis (the learner failed, or the evidence is inconclusive) or a
    skip (a dependency is missing). What was measured before (deviations, properties) is kept."""
    return _result(learner, caller, t0, verdict=None, diagnosis=diagnosis,
                   deviation=deviation or {"orthogonal": None, "pm1": None}, symmetry=None, counterexample=None,
                   message=message, warnings=tuple(warnings), detail=detail, skipped=skipped,
                   properties=dict(properties or {}), domain=domain, distribution=distribution)


def verdict_result(learner: Learner, caller: Caller, t0: float, *, verdict: Verdict, symmetry: Symmetry | None,
                   deviation: dict, counterexample: Counterexample | None, message: str,
                   properties: dict[str, PropertyReport], counterexamples: dict[str, Counterexample],
                   warnings=(), distribution: dict | None = None, domain=None,
                   output_symmetry: Symmetry | None = None) -> Result:
    return _result(learner, caller, t0, verdict=verdict, diagnosis=None, deviation=deviation, symmetry=symmetry,
                   counterexample=counterexample, message=message, properties=properties,
                   counterexamples=counterexamples, warnings=tuple(warnings), distribution=distribution, domain=domain,
                   output_symmetry=output_symmetry)
