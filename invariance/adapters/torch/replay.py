"""State replay: a counterexample's two training runs, step by step, and the first optimizer state that
stops transforming like the weight (a learner's ``explain``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from invariance.adapters.torch.model import torch_module
from invariance.adapters.torch.options import Options, TorchOptions
from invariance.adapters.torch.protocol import run, run_context

__all__ = ["trace_states", "breaks_at"]


def _snapshot(optimizer: Any, w: Any) -> dict[str, np.ndarray]:
    """The weight and every entry of the optimizer's state for it, as float64 arrays (in state order)."""
    out = {}
    for key, value in optimizer.state.get(w, {}).items():
        if hasattr(value, "detach"):
            out[str(key)] = value.detach().to("cpu").double().numpy().copy()
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[str(key)] = np.asarray(float(value))
    out["weight"] = w.detach().to("cpu").double().numpy().copy()
    return out


def trace_states(optimizer_cls: Any, X: np.ndarray, y: np.ndarray, opts: Options,
                 seed: int | None = None) -> list[dict]:
    """Train as :func:`~.protocol.train_predict` does and return, after every step, the weight and the
    optimizer's state for it (linear model: one weight)."""
    torch = torch_module()
    opts = TorchOptions.of(opts)
    trace: list[dict] = []
    X1 = np.asarray(X, dtype=float)[:1]

    def record(optimizer: Any, w: Any) -> None:
        trace.append(_snapshot(optimizer, w))

    with run_context(torch, opts, seed):
        run(torch, optimizer_cls, X, y, X1, opts, seed, on_step=record)
    return trace


def breaks_at(optimizer_cls: Any, opts: Options, cx: Any) -> dict | None:
    """Replay a counterexample's two training runs step by step and name the first state that stops
    transforming like the weight (W ↦ W·Uᵀ with the counterexample's U: a rotation of the inputs, or
    the orthogonal map relating two ±1 twins; W ↦ V·W for an output map V):
    ``{"step", "key", "deviation", "property", "why"}``, or a dict with ``key`` None and a ``note`` when
    every state transforms (the difference arises in the prediction) or the model is not the linear
    neuron."""
    from invariance.judge import state_transform
    from invariance.render.messages import STATE_FIT

    opts = TorchOptions.of(opts)
    if opts.model not in ("linear", "layer"):
        return {"key": None, "note": "state replay covers the linear neuron and layer only (--model linear|layer)"}
    U = np.asarray(cx.U, dtype=float)
    V = None if getattr(cx, "V", None) is None else np.asarray(cx.V, dtype=float)
    y2 = cx.y_train if V is None else cx.y_train_transformed
    one = trace_states(optimizer_cls, cx.X_train, cx.y_train, opts)
    two = trace_states(optimizer_cls, cx.X_train_transformed, y2, opts)
    for step, (a, b) in enumerate(zip(one, two, strict=False), start=1):
        keys = [k for k in a if k != "weight" and k in b] + ["weight"]
        for key in keys:
            ok, dev, how = state_transform(a[key], b[key], U, V)
            if not ok:
                what = (f"the weight itself at step {step} does not transform, though every state it was "
                        "computed from did" if key == "weight" else f"{key} at step {step} {STATE_FIT[how]}")
                return {"step": step, "key": key, "deviation": dev, "property": cx.property, "why": what}
    return {"key": None, "property": cx.property, "steps": len(one),
            "note": f"every state transforms like the weight over all {len(one)} steps: "
                    "the runs part only in the prediction"}
