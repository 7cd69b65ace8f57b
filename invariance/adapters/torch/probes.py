"""The load-time probes: short training runs on a 4×3 problem that decide, once per learner, how its
steps are run (:class:`StepProfile`: the closure protocol, a required lr, gradients with a graph, draws
from the global generators) and the precision its update works at (:class:`PrecisionProfile`: the
precision, and the exact variant with every cast rewritten to float64)."""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from invariance.adapters.defaults import FALLBACK_LR, fallback_source, lr_defaults_to_none
from invariance.adapters.torch.exact import exact_mode
from invariance.adapters.torch.model import own_model, short_name, torch_module
from invariance.adapters.torch.options import CLOSURE_PASSED, CLOSURE_REJECTED, Options, TorchOptions
from invariance.adapters.torch.precision import coarsest, describe, its, precision_of, state_dtypes, watch, where_seen
from invariance.adapters.torch.protocol import (
    RunInfo,
    run,
    run_context,
    seeded_globals,
    train_predict,
    train_predict_info,
)
from invariance.errors import UsageError, one_line

__all__ = ["StepProfile", "PrecisionProfile", "probe_steps", "probe_precision", "closure_protocol",
           "needs_create_graph", "uses_global_rng", "step_precision", "exact_variant"]


@dataclass(frozen=True)
class StepProfile:
    """How a learner's steps run, decided on the probe problem (:func:`probe_steps`)."""

    #: how ``step`` is called (CLOSURE_*: :func:`closure_protocol`)
    closure: str
    lr: float | None
    #: where ``lr`` comes from ("--lr", "its default", the adapter's fallback and why)
    lr_source: str
    create_graph: bool
    global_rng: bool

    def applied(self, opts: TorchOptions) -> TorchOptions:
        """``opts`` with what the probes decided."""
        return replace(opts, closure=self.closure, lr=self.lr, lr_source=self.lr_source,
                       create_graph=self.create_graph, global_rng=self.global_rng)


@dataclass(frozen=True)
class PrecisionProfile:
    """The working precision of a learner's update (:func:`step_precision`) and its exact variant
    (:func:`exact_variant`): ``exact`` the options of the run with casts rewritten to float64, or None
    with ``exact_note`` saying why (None, None at float64)."""

    precision: str | None
    note: str | None
    exact: TorchOptions | None
    exact_note: str | None


def probe_model(opts: TorchOptions) -> TorchOptions:
    """For a network of your own (``model="FILE.py:FACTORY"``): its outputs H (``--outputs`` where given,
    else the width of its output; H > 1 asks the output side too) and whether its initial weights depend on
    the seed (then the learner is randomised and judged by the two-sample test). Built at d = 3 with seeds 0
    and 1. A factory that raises, returns no ``torch.nn.Module``, or gives an output of another width than
    ``--outputs`` is a :class:`UsageError` (one line)."""
    if not opts.custom:
        return opts
    torch = torch_module()
    x = (torch.ones(2, 3, dtype=torch.float64) * torch.tensor([[1.0], [-0.5]], dtype=torch.float64)).to(opts.device)
    try:
        first, second = (own_model(torch, 3, opts, s) for s in (0, 1))
        with torch.no_grad():
            out = first(x)
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001 - a user's factory or forward: one line, then stop
        raise UsageError(f"--model {opts.model}: building it at d = 3 and running it on 2 rows raised "
                         f"{one_line(exc)}") from None
    width = 1 if out.ndim == 1 else int(out.shape[1])
    if out.ndim not in (1, 2) or out.shape[0] != 2:
        raise UsageError(f"--model {opts.model}: on 2 rows of 3 features it returned shape {tuple(out.shape)}; "
                         "a network must map (n, d) to (n,) or (n, H)")
    if opts.outputs is not None and width != opts.outputs:
        raise UsageError(f"--model {opts.model} returns {width} output{'s' * (width != 1)} per row, but --outputs "
                         f"{opts.outputs} was asked; build factory(d, outputs) with that many, or drop --outputs")
    if not any(p.requires_grad for p in first.parameters()):
        raise UsageError(f"--model {opts.model} has no parameters to train")
    a, b = (torch.cat([p.detach().reshape(-1) for p in m.parameters()]) for m in (first, second))
    return replace(opts, outputs=width if width > 1 else None, model_random=not torch.equal(a, b))


def probe_steps(cls: Any, opts: TorchOptions) -> StepProfile:
    """The closure protocol and lr (:func:`closure_protocol`), then, where ``opts.create_graph`` is None,
    whether gradients need a graph (:func:`needs_create_graph`), then whether a run draws from the global
    generators (:func:`uses_global_rng`), each probe run with what the ones before decided."""
    closure, lr, why = closure_protocol(cls, opts)
    source = opts.lr_source or "--lr"
    if lr != opts.lr:
        source = fallback_source("lr", why or "it needs one")
    decided = replace(opts, closure=closure, lr=lr, lr_source=source)
    if decided.create_graph is None:
        decided = replace(decided, create_graph=needs_create_graph(cls, decided))
    return StepProfile(closure=closure, lr=lr, lr_source=source, create_graph=bool(decided.create_graph),
                       global_rng=uses_global_rng(cls, decided))


def probe_precision(cls: Any, opts: TorchOptions) -> PrecisionProfile:
    precision, note = step_precision(cls, opts)
    if precision is None:
        return PrecisionProfile(precision=None, note=note, exact=None, exact_note=None)
    exact, exact_note = exact_variant(cls, opts, precision)
    return PrecisionProfile(precision=precision, note=note, exact=exact, exact_note=exact_note)


def _probe_problem(opts: TorchOptions) -> tuple[np.ndarray, np.ndarray]:
    """The 4×3 Gaussian problem the load-time probes train on (create_graph, global RNG, precision);
    4×H targets for a layer."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((4, 3)), rng.standard_normal(4)
    if opts.outputs:
        y = np.column_stack([y] + [rng.standard_normal(4) for _ in range(opts.outputs - 1)])
    return X, y


_REJECTIONS = (ValueError, TypeError, NotImplementedError, RuntimeError)


def _rejects_closure(exc: BaseException) -> bool:
    """An exception by which ``step(closure)`` refuses the closure (``ValueError: closure is not
    supported``): one of the usual types, naming the closure."""
    return isinstance(exc, _REJECTIONS) and "closure" in str(exc).lower()


def closure_protocol(cls: Any, opts: Options) -> tuple[str, float | None, str | None]:
    """How the learner calls ``step`` and, where the optimizer's ``lr`` defaults to None, whether it
    needs the adapter's: ``(closure, lr, why)`` decided once on the probe problem, the gradient already
    in ``.grad`` before every step.

    ``closure`` is :data:`CLOSURE_PASSED` (``step(closure)``), :data:`CLOSURE_NONE` (``step`` takes none:
    ``step()``) or :data:`CLOSURE_REJECTED` (``step(closure)`` raises naming the closure, while ``step()``
    trains: plain ``step()`` from then on). ``lr`` is ``opts.lr``, or :data:`FALLBACK_LR` where
    ``opts.lr`` is None, the optimizer's ``lr`` defaults to None, and training fails without one but
    not with it (an lr required in substance: asserted positive, compared with 0); ``why`` then says
    what failed. Where nothing trains, the signature decides and the first call gets the diagnosis."""
    opts = TorchOptions.of(opts)
    X, y = _probe_problem(opts)
    lrs = [opts.lr]
    if opts.lr is None and lr_defaults_to_none(cls):
        lrs.append(FALLBACK_LR)
    graphs = [opts.create_graph] if opts.create_graph is not None else [False, True]
    failed = None
    for lr in lrs:
        for graph in graphs:
            trial = replace(opts, lr=lr, passes=1, create_graph=graph, global_rng=True)
            info = RunInfo()
            try:
                train_predict_info(cls, X, y, X[:1], replace(trial, closure=CLOSURE_PASSED), info)
                return info.closure or CLOSURE_PASSED, lr, None if lr == opts.lr else failed
            except Exception as exc:
                failed = failed or one_line(exc, 100)
                if not _rejects_closure(exc):
                    continue
            try:
                train_predict_info(cls, X, y, X[:1], replace(trial, closure=CLOSURE_REJECTED), RunInfo())
                return CLOSURE_REJECTED, lr, None if lr == opts.lr else failed
            except Exception:
                continue
    return CLOSURE_PASSED, opts.lr, None


def needs_create_graph(cls: type, opts: Options) -> bool:
    """True when the optimizer fails on plain gradients and trains once they carry a graph
    (``backward(create_graph=True)``: AdaHessian, Sophia-H and other Hessian-vector optimizers)."""
    opts = TorchOptions.of(opts)
    X, y = _probe_problem(opts)
    try:
        train_predict(cls, X, y, X[:1], replace(opts, passes=1, create_graph=False), 0)
        return False
    except Exception:
        pass
    try:
        train_predict(cls, X, y, X[:1], replace(opts, passes=1, create_graph=True, global_rng=True), 0)
        return True
    except Exception:
        return False


def uses_global_rng(cls: type, opts: Options) -> bool:
    """True when a training run on a 4×3 problem draws from a global generator — torch's, NumPy's
    legacy or Python's state moves (a draw whose effect the run happens to hide still counts: Sophia-H
    clips its random Hessian estimate away on such a problem). Such an optimizer is run with the
    generators forked and seeded from the learner's rng (:func:`~.protocol.seeded_globals`)."""
    opts = TorchOptions.of(opts)
    torch = torch_module()
    X, y = _probe_problem(opts)
    with seeded_globals(torch, 0):
        before = (torch.random.get_rng_state(), np.random.get_state()[1].copy(), random.getstate())  # type: ignore[index]
        try:
            train_predict(cls, X, y, X, replace(opts, passes=2, global_rng=False), 0)
        except Exception:
            return False
        after = (torch.random.get_rng_state(), np.random.get_state()[1], random.getstate())  # type: ignore[index]
    return not (torch.equal(before[0], after[0]) and np.array_equal(before[1], after[1]) and before[2] == after[2])


def _watched_run(cls: Any, opts: Options, exact: bool = False) -> tuple[dict, set]:
    """Train once on the probe problem under :func:`~.precision.watch` (and under the exact mode when
    ``exact``): (the coarse dtypes seen, dtype → where; the (function, dtype) casts the rewrite met)."""
    torch = torch_module()
    opts = TorchOptions.of(opts)
    X, y = _probe_problem(opts)
    info = RunInfo()
    watching = watch(torch)
    mode = exact_mode(record=True) if exact else None
    trial = replace(opts, passes=1, exact=False)
    with watching, (mode if mode is not None else contextlib.nullcontext()), run_context(torch, trial, 0):
        run(torch, cls, X, y, X[:1], trial, 0, info=info)
    seen = dict(watching.seen)
    if info.optimizer is not None:
        state_dtypes(torch, info.optimizer, seen)
    return seen, (mode.rewritten if mode is not None else set())


def step_precision(cls: type, opts: Options) -> tuple[str | None, str | None]:
    """The coarsest floating dtype that feeds an optimizer's update, watched with a ``TorchFunctionMode``
    on a 4×3 problem (every input and output of every torch function, then the optimizer's state): a
    dtype coarser than the float64 inputs on more than one element (:func:`~.precision._counts`) — float32
    included (a step on float32 copies: ``grad.float()``, foreach and fused kernels, compiled steps).
    Returns ("float32" | "float16" | "bfloat16", a note saying where it was seen), or (None, None) when
    everything stays in float64 (or the optimizer cannot train on that problem: it is diagnosed later).
    Muon orthogonalises its update by Newton–Schulz in bfloat16: its verdict holds at that precision."""
    torch = torch_module()
    try:
        seen, _ = _watched_run(cls, opts)
    except Exception:
        return None, None
    dtype, where = coarsest(torch, seen)
    if dtype is None:
        return None, None
    return precision_of(torch, dtype), f"detected: {describe(torch, cls, dtype, where)}"


def exact_variant(cls: Any, opts: Options, precision: str) -> tuple[TorchOptions | None, str]:
    """(options of the exact run, how it was made) for an optimizer detected at ``precision``: training
    under the exact mode (:mod:`.exact`), verified on the probe problem to leave no coarse floating
    tensor; or (None, why not) when one remains (a cast inside a compiled kernel, a C extension, NumPy)."""
    torch = torch_module()
    opts = TorchOptions.of(opts)
    fallback = f"the verdict falls back to the {precision} allowance"
    try:
        seen, rewritten = _watched_run(cls, opts, exact=True)
    except Exception as exc:
        return None, f"the run with casts rewritten to float64 fails ({one_line(exc, 120)}): {fallback}"
    dtype, where = coarsest(torch, seen)
    if dtype is not None and not dtype.is_floating_point:
        return None, (f"{its(where)} is still quantized to {dtype} under the rewrite: "
                      f"quantization is no cast to float64; {fallback}")
    if dtype is not None:
        dt = str(dtype)
        return None, (f"a {dt.replace('torch.', '')} tensor still appears in {where_seen(where)} under the "
                      f"rewrite: the cast cannot be reached; {fallback}")
    return replace(opts, exact=True), _how_exact(cls, rewritten)


def _how_exact(cls: Any, rewritten: set) -> str:
    casts = sorted({str(dt) for (_, dt) in rewritten})
    funcs = sorted({f for (f, _) in rewritten})
    if not casts:
        return f"{short_name(cls)}'s step run under the float64 rewrite (no cast to rewrite was reached)"
    return (f"casts to {', '.join(casts)} in {short_name(cls)}'s step rewritten to float64 "
            f"(seen in {', '.join(f + '()' for f in funcs)})")
