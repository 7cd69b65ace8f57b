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
from invariance.errors import UsageError, on_surface
from invariance.options import ADAPTER, API, CONFIG, DOMAIN, NAMES, OPTIONS, flag_of_key
from invariance.result.model import Result
from invariance.settings import CheckConfig
from invariance.verdict import Verdict

if TYPE_CHECKING:
    from invariance.workers import Workers

__all__ = ["check", "check_many", "assert_verdict", "config_from", "InvarianceAssertion"]


class InvarianceAssertion(AssertionError):
    """A learner's verdict or property outcome contradicts its declaration."""


def config_from(**options: Any) -> CheckConfig:
    """A :class:`CheckConfig` from CLI-style keyword options (the table :data:`invariance.options.OPTIONS`);
    one-line :class:`UsageError` on a bad one. The adapter's own rules wait for the adapter."""
    for key in options:
        if key not in NAMES:
            close = difflib.get_close_matches(key, NAMES, n=1)
            hint = f"; did you mean {close[0]}=?" if close else f"; options are {', '.join(NAMES)}"
            raise UsageError(f"unknown option {key}={options[key]!r}{hint}")
    given = [(o, options[o.name]) for o in OPTIONS if o.name in options and o.given(options[o.name])]
    given.sort(key=lambda pair: pair[0].repeated)  # the optimizer's keyword arguments come last in options
    homes: dict[str, dict[str, Any]] = {CONFIG: {}, DOMAIN: {}, ADAPTER: {}}
    for home in homes:  # in this order: the check's values, then the Domain's (it checks them), then the adapter's
        for option, value in given:
            if option.home == home:
                if option.checked_by == API:
                    option.check(value)
                homes[home][option.key] = dict(value) if option.repeated else value
        if home == DOMAIN and homes[DOMAIN]:
            from invariance.contract import Domain

            homes[CONFIG]["domain"] = Domain(**homes[DOMAIN])
    return CheckConfig(**homes[CONFIG], options=homes[ADAPTER])


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
    names = ", ".join(flag_of_key(k) for k in ignored)
    note = on_surface(f"{names} ignored: they set up torch optimizer targets, and {learner.target} is not one")
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
        from invariance.render.text import shown_text

        text = [result.message] + (["", shown_text(result)] if result.counterexample is not None else [])
        want = expected.value if expected is not None else "no verdict"
        got = result.verdict.value if result.verdict is not None else "no verdict"
        raise InvarianceAssertion(f"{result.target}: expected {want}, got {got}\n" + "\n".join(text))
    return result
