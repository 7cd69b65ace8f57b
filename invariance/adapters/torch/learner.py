"""A ``torch.optim`` optimizer as a :class:`~invariance.contract.Learner`: options checked, the probes
run once, and a ``fit_predict`` that trains with the protocol on every call."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from invariance.adapters.defaults import own_lr, takes_lr
from invariance.adapters.torch.batched import fit_many, probe_batching
from invariance.adapters.torch.model import torch_module, validate_optimizer_kwargs, where
from invariance.adapters.torch.options import TorchOptions
from invariance.adapters.torch.probes import PrecisionProfile, probe_model, probe_precision, probe_steps
from invariance.adapters.torch.protocol import train_predict
from invariance.adapters.torch.replay import breaks_at
from invariance.contract import Learner
from invariance.errors import UsageError
from invariance.probe.stacks import forced_one_by_one

__all__ = ["learner_from_optimizer"]


def learner_from_optimizer(cls: Any, *, name: str, target: str, options: Mapping[str, Any]) -> Learner:
    """A learner from a ``torch.optim.Optimizer`` subclass or an instance factory (a function of the
    parameters returning an optimizer: ``functools.partial(Adam, betas=…)``, ``lambda params:
    Lookahead(Adam(params))``, ``def make(params, lr): …``).

    Decided once, on the probe problem: how ``step`` is called (``options['closure']``:
    :func:`~.probes.closure_protocol`), whether a None lr default is a required lr, whether gradients
    need a graph, whether it draws from the global generators (:func:`~.probes.probe_steps`), the working
    precision (:func:`~.probes.step_precision`) and, for a precision coarser than float64,
    :attr:`Learner.exact`: the same learner with its casts rewritten to float64
    (:func:`~.probes.exact_variant`), or None with :attr:`Learner.exact_note` saying why."""
    opts = TorchOptions.from_options(options)
    _check_device(opts)
    opts = _with_lr(cls, probe_model(opts))
    opts = probe_steps(cls, opts).applied(opts)
    validate_optimizer_kwargs(torch_module(), cls, opts)
    recorded = {"description": f"{where(cls)} ({opts.description()})", **opts.as_dict()}
    return _learner(cls, opts, probe_precision(cls, opts), name=name, target=target, recorded=recorded)


def _with_lr(cls: Any, opts: TorchOptions) -> TorchOptions:
    """``opts`` with the lr a run passes and where it comes from: the user's (``--lr``), else the
    optimizer's own default (:func:`~invariance.adapters.defaults.own_lr`)."""
    if opts.lr is None:
        lr, source = own_lr(cls)
        return replace(opts, lr=lr, lr_source=source)
    if not takes_lr(cls):
        raise UsageError(f"--lr {opts.lr:g}: {where(cls)} takes no lr (give its step size with --opt KEY=VALUE)")
    return replace(opts, lr_source="--lr")


def _check_device(opts: TorchOptions) -> None:
    if opts.device != "cpu":
        torch = torch_module()
        if opts.device.startswith("cuda") and not torch.cuda.is_available():
            raise UsageError(f"--device {opts.device} asked for, but torch sees no CUDA device; use --device cpu")


def _fit_predict_for(cls: Any, run: TorchOptions, name: str) -> Callable[..., Any]:
    """The learner's function: ``fit_predict(X_train, y_train, X_test, *, rng)`` for randomised
    options (the seed drawn from ``rng``), without ``rng`` for deterministic ones."""
    if run.randomized:

        def fit_predict(X_train, y_train, X_test, *, rng: Any = None):
            seed = int(rng.integers(2**63 - 1)) if rng is not None else 0
            return train_predict(cls, X_train, y_train, X_test, run, seed)

    else:

        def fit_predict(X_train, y_train, X_test):  # type: ignore[misc]  # no rng: deterministic
            return train_predict(cls, X_train, y_train, X_test, run, None)

    fit_predict.__name__ = name
    fit_predict.__qualname__ = name
    return fit_predict


def _batching(cls: Any, opts: TorchOptions) -> dict[str, Any]:
    """``batch`` and ``batch_note`` of a learner (:func:`~.batched.probe_batching`): fits trained together
    where the probe group gives the one-by-one predictions bit for bit."""
    forced = forced_one_by_one()
    if forced is not None:
        return forced
    found = probe_batching(cls, opts)
    return {"batch": functools.partial(fit_many, cls, opts=opts) if found.batched else None,
            "batch_note": found.why}


def _learner(cls: Any, opts: TorchOptions, found: PrecisionProfile, *, name: str, target: str,
             recorded: dict[str, Any]) -> Learner:
    """The learner, with its exact variant where ``found`` has one."""
    common: dict[str, Any] = dict(name=name, target=target, expected=None, reason=None,
                                  randomized=opts.randomized, outputs=opts.outputs, options=recorded)
    exact = None
    if found.exact is not None:
        exact = Learner(fn=_fit_predict_for(cls, found.exact, name), precision=None, precision_note=None,
                        explain=functools.partial(breaks_at, cls, found.exact), **common, **_batching(cls, found.exact))
    return Learner(
        fn=_fit_predict_for(cls, opts, name),
        **_batching(cls, opts),
        precision=found.precision,
        precision_note=found.note,
        explain=functools.partial(breaks_at, cls, opts),
        exact=exact,
        exact_note=found.exact_note,
        **common,
    )
