"""Every option of a check, once: :data:`OPTIONS`, one frozen :class:`Option` per keyword.

Derived from it: the option flags of ``invcheck TARGET...`` (:mod:`invariance.cli.check`), the keywords
:func:`invariance.api.config_from` (and so :func:`invariance.check`) knows, with their checks and the
did-you-mean hint, the checks of the torch adapter's options (:mod:`invariance.adapters.torch.options`),
and the flags of the replay command (:func:`invariance.result.build.command_for`). The table's order is
the order of the "options are …" hint; ``--help`` follows it within each section (``help_after`` aside).
Imports nothing heavy: ``invcheck --help`` reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from invariance.errors import API_WORDS, UsageError
from invariance.verdict import PRECISIONS

__all__ = ["Option", "OPTIONS", "NAMES", "by_name", "in_section", "flag_of_key", "MODELS", "is_factory_model",
           "ACTIVATIONS", "INITS",
           "CHECK", "SHOWN", "TORCH", "CONFIG", "DOMAIN", "ADAPTER", "API", "ALWAYS", "SET", "CHANGED",
           "RANDOMIZED", "NEVER"]

MODELS = ("linear", "layer", "mlp")
ACTIVATIONS = ("tanh", "relu", "identity")
INITS = ("gaussian", "uniform", "orthogonal")

#: where ``invcheck --help`` lists an option: with the check's options, after -j/--dask (how results
#: are shown), or in the torch group
CHECK, SHOWN, TORCH = "check", "shown", "torch"
#: where a value goes: a :class:`~invariance.settings.CheckConfig` field, a
#: :class:`~invariance.contract.Domain` field (which checks it), or the adapter's ``options``
CONFIG, DOMAIN, ADAPTER = "config", "domain", "adapter"
#: who applies an option's rule (``checked_by``): API, :func:`~invariance.api.config_from` before anything runs, or
#: ADAPTER, the torch adapter when it builds a learner (other targets ignore the option, with a warning)
API = "api"
#: when the replay command writes an option's flag: always, when set, when not its default, for a
#: randomised learner, never
ALWAYS, SET, CHANGED, RANDOMIZED, NEVER = "always", "set", "changed", "randomized", "never"


def _key_values(flag: str, items: list[str] | None) -> dict[str, Any]:
    """``--opt KEY=VALUE`` words as a dict, each VALUE read as JSON where it parses (else a string)."""
    import json

    out: dict[str, Any] = {}
    for item in items or ():
        if "=" not in item:
            raise UsageError(f"{flag} {item!r} is not KEY=VALUE; e.g. {flag} betas=[0.9,0.999]")
        key, _, raw = item.partition("=")
        try:
            out[key] = json.loads(raw)
        except ValueError:
            out[key] = raw
    return out


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and value >= 1


def is_factory_model(model: Any) -> bool:
    """Whether ``--model`` names a network of your own (``FILE.py:FACTORY`` / ``module:FACTORY``), not a
    built-in model: the one test the options, the adapters' defaults and :class:`TorchOptions` share."""
    return isinstance(model, str) and ":" in model


def _model_spec(value: Any) -> bool:
    """A built-in model's name, or ``FILE.py:FACTORY`` / ``module:FACTORY`` (a factory of your own network)."""
    if value is None or value in MODELS:
        return True
    if not is_factory_model(value):
        return False
    head, _, name = value.rpartition(":")
    return bool(head) and name.replace(".", "_").isidentifier()


def _one_of(allowed: tuple[str, ...]) -> Callable[[Any], bool]:
    return lambda value: value in allowed


def _not_one_of(allowed: tuple[str, ...], who: str = "{flag}") -> str:
    return f"{who} {{value!r}} is not one of {', '.join(allowed)}"


@dataclass(frozen=True)
class Option:
    """One keyword of :func:`invariance.check`, and the ``--flag`` that sets it.

    ``valid`` is its rule and ``invalid`` the one-line error when the rule fails (``{name}``, ``{flag}``
    and ``{value}`` are filled in); ``cli_invalid`` is the command line's wording of the same rule,
    checked before anything is built. ``type``, ``default``, ``metavar``, ``choices`` and ``action``
    are argparse's. Options without a rule are checked where they are used (:class:`Domain`, the
    adapter's ``layer_outputs``)."""

    name: str
    help: str
    section: str = CHECK
    home: str = CONFIG
    #: the key in the adapter's options, where it is not ``name`` (opt → optimizer_kwargs)
    stored_as: str | None = None
    short: str | None = None
    type: Callable[[str], Any] | None = None
    default: Any = None
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    action: str | None = None
    valid: Callable[[Any], bool] | None = None
    invalid: str = ""
    checked_by: str = API
    cli_invalid: str = ""
    #: turns the parsed flag into the keyword's value (``--opt`` words into a dict), given the flag
    from_cli: Callable[[str, Any], Any] | None = None
    replay: str = SET
    replay_format: str = "{}"
    #: listed in ``--help`` right after this option instead of in table order
    help_after: str | None = None

    @property
    def key(self) -> str:
        return self.stored_as or self.name

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def flags(self) -> tuple[str, ...]:
        return (self.short, self.flag) if self.short else (self.flag,)

    @property
    def repeated(self) -> bool:
        """A flag given once per item (``--opt``), whose value is a dict."""
        return self.action == "append"

    def given(self, value: Any) -> bool:
        """Whether ``value`` sets the option (None, and an empty ``opt``, leave it unset)."""
        return bool(value) if self.repeated else value is not None

    def check(self, value: Any) -> None:
        """A one-line :class:`UsageError` where ``value`` breaks the rule."""
        if self.valid is not None and not self.valid(value):
            raise UsageError(self.invalid.format(name=self.name, flag=self.flag, value=value))

    def check_flag(self, value: Any) -> None:
        """The command line's check: :attr:`cli_invalid` where the parsed ``value`` breaks the rule."""
        if self.cli_invalid and self.valid is not None and self.given(value) and not self.valid(value):
            raise UsageError(self.cli_invalid.format(name=self.name, flag=self.flag, value=value))

    def from_flag(self, value: Any) -> Any:
        """The keyword's value from what argparse parsed."""
        return value if self.from_cli is None else self.from_cli(self.flag, value)

    def argparse_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``add_argument(*self.flags, ...)``."""
        kwargs: dict[str, Any] = {"help": self.help, "default": self.default}
        for key in ("type", "metavar", "choices", "action"):
            if getattr(self, key) is not None:
                kwargs[key] = getattr(self, key)
        return kwargs


OPTIONS: tuple[Option, ...] = (
    Option("seed", "search seed (default 0; same seed, same result)", type=int, default=0, replay=ALWAYS),
    Option("max_examples", "examples per property: the seeded sample, and Hypothesis' budget once it finds something "
           "(default 150)", type=int, metavar="N", valid=_positive_int,
           invalid="{name} must be a whole number ≥ 1, got {value!r}",
           cli_invalid="{flag} must be at least 1, got {value}"),
    Option("timeout", "per-call time limit in seconds (default 10)", type=float, default=10.0, metavar="S",
           valid=lambda value: value > 0, invalid="{name} must be positive seconds, got {value!r}",
           cli_invalid="{flag} must be positive, got {value}", replay=CHANGED, replay_format="{:g}"),
    Option("database", "Hypothesis example database (replays earlier failures first)", metavar="DIR", replay=NEVER),
    Option("samples", "seeds per side for randomised learners (default 200)", type=int, default=200,
           valid=lambda value: isinstance(value, int) and value >= 2,
           invalid="{name} must be a whole number ≥ 2, got {value!r}", replay=RANDOMIZED),
    Option("alpha", "level of the two-sample test for randomised learners (default 0.01)", type=float, default=0.01,
           valid=lambda value: 0 < value < 1, invalid="{name} must lie in (0, 1), got {value!r}", replay=RANDOMIZED,
           replay_format="{:g}"),
    Option("verbose", "every counterexample and full tracebacks", section=SHOWN, short="-v", action="store_true",
           default=False, replay=NEVER),
    Option("precision", "the precision the verdict must hold at: the tolerance becomes its calibrated rounding "
           "(default: declared or detected, else float64)", choices=PRECISIONS, valid=_one_of(PRECISIONS),
           invalid=_not_one_of(PRECISIONS, "{name}")),
    Option("max_d", "ask only about inputs with at most D columns (D ≥ 4; default: d up to 16, twins up to 24)",
           home=DOMAIN, type=int, metavar="D"),
    Option("min_n", "ask only about training sets of at least N rows (a learner that needs N samples)", home=DOMAIN,
           type=int, metavar="N"),
    Option("n_above_d", "ask only about training sets with more rows than columns (RANSAC and the like)", home=DOMAIN,
           action="store_true"),
    # the torch adapter's: the CLI hands them to every target; only torch (and optax) optimizers take them
    Option("passes", "passes over the training set (default 3)", section=TORCH, home=ADAPTER, type=int,
           valid=_positive_int, invalid="{flag} must be a positive integer, got {value!r}", checked_by=ADAPTER),
    Option("lr", "learning rate (default: the optimizer's own default lr, 0.05 where it has none)", section=TORCH,
           home=ADAPTER, type=float, checked_by=ADAPTER,
           valid=lambda value: value is None or (isinstance(value, (int, float)) and value > 0),
           invalid="{flag} must be a positive number, got {value!r}"),
    Option("batch_size", "examples per step (default 1: the paper's online protocol)", section=TORCH, home=ADAPTER,
           type=int, valid=_positive_int, invalid="{flag} must be a positive integer, got {value!r}",
           checked_by=ADAPTER),
    Option("model", "linear neuron (default), a linear layer with --outputs H outputs (also asks the output "
           "side: Y ↦ YVᵀ must give Ŷ ↦ ŶVᵀ), an MLP with a fully connected input layer, or your own network: "
           "FILE.py:FACTORY or module:FACTORY, factory(d, outputs) returning a torch.nn.Module (docs/networks.md)",
           section=TORCH, home=ADAPTER, metavar="{linear,layer,mlp,FILE.py:FACTORY}", valid=_model_spec,
           invalid="{flag} must be one of linear, layer, mlp, or FILE.py:FACTORY / module:FACTORY (a function "
                   "factory(d, outputs) returning a torch.nn.Module), got {value!r}", checked_by=ADAPTER),
    Option("hidden", "MLP hidden width (default 16)", section=TORCH, home=ADAPTER, type=int, valid=_positive_int,
           invalid="{flag} must be a positive integer, got {value!r}", checked_by=ADAPTER),
    Option("activation", "MLP activation: tanh (default), relu, identity", section=TORCH, home=ADAPTER,
           valid=_one_of(ACTIVATIONS), invalid=_not_one_of(ACTIVATIONS), checked_by=ADAPTER),
    Option("init", "MLP first-layer init: gaussian (default), uniform (torch's default), orthogonal", section=TORCH,
           home=ADAPTER, valid=_one_of(INITS), invalid=_not_one_of(INITS), checked_by=ADAPTER),
    Option("opt", "extra optimizer keyword argument (repeatable)", section=TORCH, home=ADAPTER,
           stored_as="optimizer_kwargs", action="append", metavar="KEY=VALUE", from_cli=_key_values,
           valid=lambda value: isinstance(value, dict),
           invalid="{name} must be a dict of optimizer keyword arguments, got {value!r}"),
    Option("device", "torch device (default cpu)", section=TORCH, home=ADAPTER),
    Option("create_graph", "gradients by autograd with backward(create_graph=True), for optimizers that take "
           "Hessian-vector products (default: detected — an optimizer that fails on plain gradients and trains with "
           "a graph gets one)", section=TORCH, home=ADAPTER, action="store_true",
           valid=lambda value: value in (None, True, False), invalid="{name} must be true or false, got {value!r}",
           checked_by=ADAPTER, replay=NEVER),
    Option("outputs", "outputs of --model layer (default 3); for a plain learner: it takes n×H targets", section=TORCH,
           home=ADAPTER, type=int, metavar="H", help_after="model"),
)

#: the keywords of :func:`invariance.check`, in table order
NAMES = tuple(option.name for option in OPTIONS)
_BY_NAME = {option.name: option for option in OPTIONS}
_BY_KEY = {option.key: option for option in OPTIONS if option.home == ADAPTER}


def by_name(name: str) -> Option:
    return _BY_NAME[name]


def flag_of_key(key: str) -> str:
    """The flag that sets the adapter option ``key`` (``optimizer_kwargs`` → ``--opt``)."""
    option = _BY_KEY.get(key)
    return option.flag if option is not None else "--" + key.replace("_", "-")


def in_section(section: str) -> tuple[Option, ...]:
    """The options ``--help`` lists in ``section``: table order, each ``help_after`` one after its anchor."""
    own = [option for option in OPTIONS if option.section == section]
    out = [option for option in own if option.help_after is None]
    for option in own:
        if option.help_after is not None:
            out.insert(out.index(_BY_NAME[option.help_after]) + 1, option)
    return tuple(out)


# the API's words for the command line's flags (errors.api_words): the table's, and three of the API's own
API_WORDS.update({option.flag: option.name for option in OPTIONS}
                 | {"--dask": "dask", "--jobs": "jobs", "--expect": "expect"})
