"""The public entry points: :func:`check`, :func:`check_many` and :func:`assert_verdict`.

A target is anything the command line takes, as an object or a string: a function
``f(X_train, y_train, X_test)``, a ``@learner``-decorated one, a scikit-learn estimator class or
instance, a ``torch.optim.Optimizer`` subclass, a module, or a TARGET string (``"algorithms.egu"``,
``"pkg.mod:f"``, ``"path/to/file.py:f"``). Options are keyword arguments mirroring the CLI flags.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from invariance.contract import Learner
from invariance.errors import UsageError
from invariance.result.model import Result
from invariance.settings import CheckConfig
from invariance.verdict import Verdict

if TYPE_CHECKING:
    from invariance.workers import Workers

__all__ = ["check", "check_many", "assert_verdict", "config_from", "InvarianceAssertion"]

#: options of the check itself (CLI: --seed, --max-examples, --timeout, --database, --samples, --alpha,
#: --precision, --max-d, --min-n, --n-above-d)
CHECK_OPTIONS = ("seed", "max_examples", "timeout", "database", "samples", "alpha", "verbose", "precision", "max_d",
                 "min_n", "n_above_d")
#: options of the adapters (CLI: --passes, --lr, --batch-size, --model, --hidden, --activation, --init,
#: --opt KEY=VALUE as ``opt={"KEY": VALUE}``, --device, --create-graph); they only apply to torch
#: optimizer targets
ADAPTER_OPTIONS = ("passes", "lr", "batch_size", "model", "hidden", "activation", "init", "opt", "device",
                   "create_graph", "outputs")


class InvarianceAssertion(AssertionError):
    """A learner's verdict or property outcome contradicts its declaration."""


def config_from(**options: Any) -> CheckConfig:
    """A :class:`CheckConfig` from CLI-style keyword options; one-line :class:`UsageError` on a bad one."""
    known = CHECK_OPTIONS + ADAPTER_OPTIONS
    for key in options:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]}=?" if close else f"; options are {', '.join(known)}"
            raise UsageError(f"unknown option {key}={options[key]!r}{hint}")
    checks = {k: options[k] for k in CHECK_OPTIONS if options.get(k) is not None}
    if "max_examples" in checks and (not isinstance(checks["max_examples"], int) or checks["max_examples"] < 1):
        raise UsageError(f"max_examples must be a whole number ≥ 1, got {checks['max_examples']!r}")
    if "timeout" in checks and not checks["timeout"] > 0:
        raise UsageError(f"timeout must be positive seconds, got {checks['timeout']!r}")
    if "samples" in checks and (not isinstance(checks["samples"], int) or checks["samples"] < 2):
        raise UsageError(f"samples must be a whole number ≥ 2, got {checks['samples']!r}")
    if "alpha" in checks and not 0 < checks["alpha"] < 1:
        raise UsageError(f"alpha must lie in (0, 1), got {checks['alpha']!r}")
    from invariance.contract import Domain, check_precision

    check_precision(checks.get("precision"))
    limits = {k: checks.pop(k) for k in ("max_d", "min_n", "n_above_d") if k in checks}
    if limits:
        checks["domain"] = Domain(**limits)
    adapter = {k: options[k] for k in ADAPTER_OPTIONS if options.get(k) is not None and k != "opt"}
    if options.get("opt"):
        if not isinstance(options["opt"], dict):
            raise UsageError(f"opt must be a dict of optimizer keyword arguments, got {options['opt']!r}")
        adapter["optimizer_kwargs"] = dict(options["opt"])
    return CheckConfig(**checks, options=adapter)


def _parse_expected(verdict: str | Verdict | None) -> Verdict | None:
    if verdict is None or isinstance(verdict, Verdict):
        return verdict
    return Verdict.parse(verdict)


def _learners(targets: Iterable[Any], config: CheckConfig, expect: Verdict | None) -> list[Learner]:
    from invariance.targets import learners_of

    out = []
    for t in targets:
        for learner in learners_of(t, options=config.options):
            out.append(learner.with_expected(expect) if expect is not None else learner)
    return out


def _with_option_warning(result: Result, learner: Learner, config: CheckConfig) -> Result:
    """``result`` warned of the adapter options ``learner`` did not take (a NumPy function given --lr)."""
    ignored = [k for k in config.options if k not in learner.options]
    if not ignored:
        return result
    names = ", ".join("--opt" if k == "optimizer_kwargs" else "--" + k.replace("_", "-") for k in ignored)
    note = f"{names} ignored: they set up torch optimizer targets, and {learner.target} is not one"
    return replace(result, warnings=(note,) + tuple(result.warnings))


def check_many(targets: Iterable[Any], *, jobs: int = 1, expect: str | Verdict | None = None,
               config: CheckConfig | None = None, progress: bool = False, dask: str | None = None,
               workers: Workers | None = None, **options: Any) -> list[Result]:
    """Check every learner the ``targets`` name, in ``jobs`` processes or on the Dask cluster ``dask``
    (``"local:N"`` or a scheduler address), with results identical to ``jobs=1``; or where ``workers``
    (an :class:`invariance.workers.Workers`, instead of ``jobs`` and ``dask``) says. ``expect``
    declares a verdict for all of them; options as in :func:`check`."""
    if isinstance(targets, (str, bytes)):
        targets = [targets]
    workers = _workers(jobs, dask, workers)
    config = config if config is not None else config_from(**options)
    return _run(_learners(targets, config, _parse_expected(expect)), config, workers=workers, progress=progress)


def _workers(jobs: int, dask: str | None, workers: Workers | None) -> Workers:
    """The one :class:`Workers` value of :func:`check_many`: ``workers``, or built from ``jobs`` and ``dask``."""
    from invariance.workers import Workers

    if workers is not None:
        if jobs != 1 or dask is not None:
            raise UsageError("give workers=Workers(...) or jobs=/dask=, not both")
        return workers
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise UsageError(f"jobs must be at least 1, got {jobs}")
    return Workers(jobs=jobs, dask=dask)


def _run(learners: list[Learner], config: CheckConfig, *, workers: Workers | None = None,
         progress: bool = False) -> list[Result]:
    from invariance.parallel import check_all

    results = check_all(learners, config, workers=workers, show_progress=progress)
    return [_with_option_warning(r, lrn, config) for r, lrn in zip(results, learners, strict=True)]


def check(target: Any, *, expect: str | Verdict | None = None, **options: Any) -> Result:
    """Measure and judge one learner: probe → search → judge → :class:`~invariance.result.Result`.

    ``target``: a function, a decorated learner, a scikit-learn class or instance, a torch optimizer
    class, or a TARGET string naming one learner. Options: ``seed`` (0), ``max_examples`` (150 per
    property), ``timeout`` (10 s a call), ``database`` (a Hypothesis example directory), ``samples``
    (200 seeds per side) and ``alpha`` (0.01) for randomised learners; for torch optimizers ``passes``,
    ``lr``, ``batch_size``, ``model``, ``hidden``, ``activation``, ``init``, ``opt`` (a dict of
    optimizer keyword arguments) and ``device``. Never raises for a misbehaving learner (that is a
    diagnosis); raises :class:`~invariance.errors.UsageError` for a bad target or option."""
    config = config_from(**options)
    learners = _learners([target], config, _parse_expected(expect))
    if len(learners) != 1:
        names = ", ".join(lrn.name for lrn in learners[:5]) + (", …" if len(learners) > 5 else "")
        raise UsageError(f"{target!r} names {len(learners)} learners ({names}); name one, or use invariance.check_many")
    return _run(learners, config)[0]


def assert_verdict(target: Any, verdict: str | Verdict, **options: Any) -> Result:
    """Check ``target`` (as :func:`check`) and raise :class:`InvarianceAssertion` with the shrunk
    counterexample unless its verdict is ``verdict``; returns the Result (with all its numbers)."""
    __tracebackhide__ = True
    expected = _parse_expected(verdict)
    result = check(target, expect=expected, **options)
    if result.failed:
        assert result.diagnosis is not None  # failed means a diagnosis instead of a verdict
        raise InvarianceAssertion(f"{result.target}: {result.diagnosis.value}: {result.message}")
    if result.skipped:
        raise InvarianceAssertion(f"{result.target}: {result.message}")
    if result.verdict is not expected:
        from invariance.render.text import counterexample_text

        text = [result.message] + (["", counterexample_text(result.counterexample)]
                                   if result.counterexample is not None else [])
        want = expected.value if expected is not None else "no verdict"
        got = result.verdict.value if result.verdict is not None else "no verdict"
        raise InvarianceAssertion(f"{result.target}: expected {want}, got {got}\n" + "\n".join(text))
    return result
