"""The torch adapter's options, checked once: a frozen :class:`TorchOptions`.

The user sets passes, lr, batch size, model, hidden width, activation, init, device, the optimizer's
keyword arguments, create_graph and outputs; the load-time probes (:mod:`.probes`) decide the rest —
how ``step`` is called (``closure``), where the lr comes from (``lr_source``), whether the run forks
the global generators (``global_rng``) — and :attr:`TorchOptions.exact` marks the run with every cast
rewritten to float64 (:mod:`.exact`). A learner records them all, as :meth:`TorchOptions.as_dict`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeAlias

from invariance.adapters.defaults import layer_outputs
from invariance.options import ACTIVATIONS, ADAPTER, INITS, MODELS, OPTIONS, TORCH, is_factory_model

__all__ = ["TorchOptions", "Options", "DEFAULTS", "MODELS", "ACTIVATIONS", "INITS", "CLOSURE_PASSED",
           "CLOSURE_REJECTED", "CLOSURE_NONE"]

#: how an optimizer's ``step`` is called, decided once per learner on the probe problem
#: (:func:`~invariance.adapters.torch.probes.closure_protocol`); the gradient is always computed before
#: the step, as a training loop does
CLOSURE_PASSED, CLOSURE_REJECTED, CLOSURE_NONE = "passed", "rejected: plain step()", "none"

#: recorded in a learner's options, not listed in its description
_UNLISTED = ("optimizer_kwargs", "create_graph", "global_rng", "lr_source", "closure", "model_random")
_MLP_ONLY = ("hidden", "activation", "init")


@dataclass(frozen=True)
class TorchOptions:
    """The options of one torch learner's training runs (docs/design.md#contracts)."""

    passes: int = 3
    #: None: pass no lr (the optimizer's own default decides)
    lr: float | None = None
    batch_size: int = 1
    model: str = "linear"
    hidden: int = 16
    activation: str = "tanh"
    init: str = "gaussian"
    device: str = "cpu"
    optimizer_kwargs: dict[str, Any] = field(default_factory=dict)
    #: gradients by ``backward(create_graph=True)``; None: not decided yet
    create_graph: bool | None = None
    #: H for ``model="layer"``; None for a one-output model
    outputs: int | None = None
    #: how ``step`` is called (CLOSURE_*); None: not decided (``step(closure)`` where it takes one)
    closure: str | None = None
    #: where ``lr`` comes from: "--lr", "its default", the adapter's fallback and why
    lr_source: str | None = None
    #: run with torch's, NumPy's and Python's global generators forked and seeded per call
    global_rng: bool = False
    #: a network of your own (``model="FILE.py:FACTORY"``) whose initial weights depend on the seed (decided
    #: by :func:`~invariance.adapters.torch.probes.probe_model`)
    model_random: bool = False
    #: run with every cast to a coarser floating dtype rewritten to float64 (not a recorded option)
    exact: bool = False

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> TorchOptions:
        """Checked options from a mapping (the CLI's, the API's, a learner's recorded ones); None means
        the default, keys that are not options (``description``) are ignored. A bad value is a
        :class:`UsageError` naming its flag."""
        given = {k: v for k, v in options.items() if v is not None}
        merged = {**DEFAULTS, **{name: given[name] for name in _FIELD_NAMES if name in given}}
        for option in OPTIONS:  # the rules of invariance/options.py that wait for the adapter
            if option.checked_by == ADAPTER:
                option.check(merged[option.key])
        merged["optimizer_kwargs"] = dict(merged["optimizer_kwargs"])
        merged["outputs"] = layer_outputs(merged["model"], merged["outputs"])
        return cls(**merged)

    @classmethod
    def of(cls, options: TorchOptions | Mapping[str, Any]) -> TorchOptions:
        """``options`` itself, or checked from a mapping (:meth:`from_options`)."""
        return options if isinstance(options, TorchOptions) else cls.from_options(options)

    @property
    def by_hand(self) -> bool:
        """Whether the gradient is written out (linear models without a graph) instead of autograd's."""
        return self.model in ("linear", "layer") and not self.create_graph

    @property
    def custom(self) -> bool:
        """Whether the model is a network of your own (``FILE.py:FACTORY`` or ``module:FACTORY``)."""
        return is_factory_model(self.model)

    @property
    def multi_output(self) -> bool:
        """Whether predictions are n×H: the layer, or a network of your own with H > 1 outputs."""
        return self.model == "layer" or (self.custom and (self.outputs or 1) > 1)

    @property
    def randomized(self) -> bool:
        """Whether a learner with these options takes ``rng`` (an MLP's initialisation, a network of your
        own whose initialisation draws, a global draw)."""
        return self.model == "mlp" or self.model_random or self.global_rng

    def as_dict(self) -> dict[str, Any]:
        """The options a learner records (every field but :attr:`exact`), in field order."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "exact"}

    def description(self) -> str:
        """"passes=3, lr=0.001 (its default), batch_size=1, model=linear, device=cpu" and how the steps
        run: the words inside a learner's description."""
        words = [f"{key}={value}{self._source_of(key)}" for key, value in self._listed()]
        return ", ".join(words + self._protocol_words())

    def _listed(self) -> Iterator[tuple[str, Any]]:
        """The options a description lists: the MLP's only for an MLP, outputs only for a layer."""
        for key, value in self.as_dict().items():
            if key in _UNLISTED or (key in _MLP_ONLY and self.model != "mlp"):
                continue
            if key == "outputs" and not self.multi_output:
                continue
            yield key, value

    def _source_of(self, key: str) -> str:
        return f" ({self.lr_source})" if key == "lr" and self.lr_source != "--lr" else ""

    def _protocol_words(self) -> list[str]:
        words = []
        if self.closure == CLOSURE_REJECTED:
            words.append("step(closure) rejected: plain step() after the gradient")
        elif self.closure == CLOSURE_NONE:
            words.append("step() takes no closure: plain step() after the gradient")
        if self.create_graph:
            words.append("create_graph=True")
        if self.global_rng:
            words.append("torch's global RNG forked and seeded per call (randomised)")
        if self.optimizer_kwargs:
            words.append(f"{self.optimizer_kwargs}")
        return words


_FIELD_NAMES = tuple(f.name for f in fields(TorchOptions))
#: the options a user sets (the torch section of invariance/options.py), at their defaults
DEFAULTS: dict[str, Any] = {o.key: getattr(TorchOptions(), o.key) for o in OPTIONS if o.section == TORCH}


#: what the adapter's helpers take as options: checked ones, or a mapping such as a learner's recorded
#: options (checked by :meth:`TorchOptions.of`)
Options: TypeAlias = TorchOptions | Mapping[str, Any]
