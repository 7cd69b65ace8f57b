"""The optax adapter's options, checked once: a frozen :class:`OptaxOptions`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from invariance.adapters.defaults import layer_outputs
from invariance.errors import UsageError

__all__ = ["OptaxOptions", "DEFAULTS"]

#: the options a user sets, at their defaults
DEFAULTS: dict[str, Any] = {"passes": 3, "lr": None, "batch_size": 1, "optimizer_kwargs": {}, "model": "linear",
                            "outputs": None}
#: options of the torch adapter that an optax target ignores (the CLI passes them to every target)
_TORCH_ONLY = ("hidden", "activation", "init", "device", "create_graph")


@dataclass(frozen=True)
class OptaxOptions:
    """The options of one optax learner's training runs."""

    passes: int = 3
    #: ``learning_rate``; None until the learner is built (the factory's own default, else FALLBACK_LR)
    lr: float | None = None
    batch_size: int = 1
    optimizer_kwargs: dict[str, Any] = field(default_factory=dict)
    model: str = "linear"
    #: H for ``model="layer"``; None for the linear neuron
    outputs: int | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> OptaxOptions:
        """Checked options from a mapping; None means the default. An option that does not apply to an
        optax optimizer, or a bad value, is a :class:`UsageError`."""
        unknown = [k for k in options if k not in DEFAULTS and options[k] is not None and k not in _TORCH_ONLY]
        if unknown:
            raise UsageError(f"option {unknown[0]!r} does not apply to an optax optimizer; it takes passes, lr, "
                             "batch_size and --opt KEY=VALUE")
        if options.get("model") not in (None, "linear", "layer"):
            raise UsageError(f"--model {options['model']!r}: the optax adapter trains the linear neuron or a linear "
                             "layer (--model linear|layer)")
        opts = {**DEFAULTS, **{k: v for k, v in options.items() if k in DEFAULTS and v is not None}}
        opts["outputs"] = layer_outputs(opts["model"], opts["outputs"])
        for key in ("passes", "batch_size"):
            if isinstance(opts[key], bool) or not isinstance(opts[key], int) or opts[key] < 1:
                raise UsageError(f"--{key.replace('_', '-')} must be a positive integer, got {opts[key]!r}")
        if opts["lr"] is not None and (isinstance(opts["lr"], bool) or not isinstance(opts["lr"], (int, float))
                                       or not opts["lr"] > 0):
            raise UsageError(f"--lr must be a positive number, got {opts['lr']!r}")
        opts["optimizer_kwargs"] = dict(opts["optimizer_kwargs"])
        return cls(**opts)

    def as_dict(self) -> dict[str, Any]:
        """The options a learner records, in field order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def description(self, where: str) -> str:
        """"optax.adam (linear neuron, passes=3, lr=0.001, batch_size=1)": a learner's description."""
        model = f"linear layer, {self.outputs} outputs" if self.outputs else "linear neuron"
        desc = f"{where} ({model}, passes={self.passes}, lr={self.lr}, batch_size={self.batch_size}"
        return desc + (f", {self.optimizer_kwargs})" if self.optimizer_kwargs else ")")
