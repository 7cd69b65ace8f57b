"""The optimizer atlas: one report section per optimizer library, every exported optimizer a row.

A library's rows are found, not listed: every ``torch.optim.Optimizer`` subclass a torch library
exports (torch.optim, pytorch_optimizer, lion_pytorch, prodigyopt, schedulefree), every factory of
optax and optax.contrib that takes a ``learning_rate`` (:func:`invariance.adapters.optax.is_optax_factory`).
A class a library re-exports from torch.optim is that section's row, not another. Each row is checked
on the linear layer W ∈ R^{3×d} (:data:`CHECK_OPTIONS`: the input and the output side) at
:data:`MAX_EXAMPLES` examples per property, with the optimizer's own defaults, and gets its Hadamard
curve at d = 128 on the linear neuron (:func:`plan`); :mod:`invariance.report.atlas_reasons` holds the
source line that decides each verdict. Optimizers that cannot run on the protocol stay rows, with
their diagnosis and the reason.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import importlib.util
import inspect
import re
from dataclasses import dataclass

from invariance.targets import optimizer_classes

__all__ = ["LIBRARIES", "Library", "CHECK_OPTIONS", "MAX_EXAMPLES", "SAMPLES", "library_for", "library_targets",
           "reason_of", "lookahead_adam", "sam_sgd"]

#: the model every atlas row is checked on: the input side and the output side of a 3×d layer
CHECK_OPTIONS = (("model", "layer"), ("outputs", 3))
#: Hypothesis examples per property in the atlas (the main sections use the default 150)
MAX_EXAMPLES = 50
#: seeds per side for the atlas's randomised optimizers (the main sections use 200)
SAMPLES = 100


@dataclass(frozen=True)
class Library:
    """One atlas section: the module whose exports are its rows, the distribution that pins it."""

    key: str
    module: str
    distribution: str
    kind: str  # "torch" or "optax"
    extra: str  # the pip extra that installs it


LIBRARIES = (
    Library("atlas-torch", "torch.optim", "torch", "torch", "torch"),
    Library("atlas-pytorch-optimizer", "pytorch_optimizer", "pytorch-optimizer", "torch", "atlas"),
    Library("atlas-lion-pytorch", "lion_pytorch", "lion-pytorch", "torch", "atlas"),
    Library("atlas-prodigyopt", "prodigyopt", "prodigyopt", "torch", "atlas"),
    Library("atlas-schedulefree", "schedulefree", "schedulefree", "torch", "atlas"),
    Library("atlas-optax", "optax", "optax", "optax", "optax"),
    Library("atlas-optax-contrib", "optax.contrib", "optax", "optax", "optax"),
)


def library_for(module: str) -> Library:
    """The atlas section of any installed package (``invcheck atlas PACKAGE``): one of :data:`LIBRARIES`
    where it is one, else a section of its own whose kind is what it exports — ``torch.optim.Optimizer``
    subclasses, or optax-style factories. A :class:`UsageError` (one line) when it cannot be imported or
    exports neither."""
    from invariance.errors import UsageError, one_line

    for lib in LIBRARIES:
        if lib.module == module:
            if not installed(lib):
                raise UsageError(f"no module named {module!r}; install it first (pip install 'invcheck[{lib.extra}]')")
            return lib
    if not module.replace(".", "").replace("_", "").isalnum():
        raise UsageError(f"{module!r} is not a module name; give an importable package, e.g. torch_optimizer")
    from invariance.targets import cwd_on_path

    cwd_on_path()  # a package in the folder it runs in, as a TARGET's module is found
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == module or module.startswith(exc.name + ".")):
            hint = f"; install it first (pip install {module.split('.')[0].replace('_', '-')})"
            raise UsageError(f"no module named {module!r}{hint}") from None
        raise UsageError(f"importing {module} failed: {exc} (a dependency it needs is missing)") from None
    except Exception as exc:  # noqa: BLE001 - a package that breaks on import: say so in one line
        raise UsageError(f"importing {module} failed: {one_line(exc, 160)}") from None
    top = module.split(".")[0]
    dist = (importlib.metadata.packages_distributions().get(top) or [top])[0]
    key = "atlas-" + module.replace(".", "-").replace("_", "-").lower()
    if optimizer_classes(mod):
        return Library(key, module, dist, "torch", "atlas")
    if importlib.util.find_spec("optax") is not None and _optax_factories(mod):
        return Library(key, module, dist, "optax", "optax")
    raise UsageError(f"{module} exports no torch.optim.Optimizer subclass and no optax-style factory "
                     "(a function taking learning_rate that returns a GradientTransformation); "
                     "name the module that exports them, e.g. optax.contrib")


def _optax_factories(module: object) -> list[str]:
    """The names of the optax-style factories ``module`` exports
    (:func:`~invariance.adapters.optax.is_optax_factory`)."""
    from invariance.adapters.optax import is_optax_factory

    return [n for n in dir(module) if not n.startswith("_") and is_optax_factory(getattr(module, n, None))]


def version(lib: Library) -> str | None:
    try:
        return importlib.metadata.version(lib.distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def installed(lib: Library) -> bool:
    return importlib.util.find_spec(lib.module.split(".")[0]) is not None


def library_targets(lib: Library) -> tuple[str, ...]:
    """The TARGETs of ``lib``'s rows, in name order (case-insensitive)."""
    module = importlib.import_module(lib.module)
    names = []
    extra: list[str] = []
    if lib.kind == "torch":
        from invariance.report import wrapped

        for name, obj in optimizer_classes(module):
            if lib.module != "torch.optim" and obj.__module__.startswith("torch.optim"):
                continue  # a re-export of torch's class: that section's row
            names.append(name)
            if lib.key not in WRAPPERS and wrapped.wrapper_style(obj) is not None:
                base, _ = wrapped.base_for(lib.module, name)  # tried around SGD, then Adam: a row of its own
                if base is not None:
                    extra.append(f"invariance.report.wrapped:{wrapped.factory_name(lib.module, name, base)}")
    else:
        names = _optax_factories(module)
    return tuple(f"{lib.module}:{n}" for n in sorted(names, key=str.lower)) + tuple(sorted(extra, key=str.lower))


def reexports(lib: Library) -> tuple[str, ...]:
    """The torch.optim classes ``lib`` exports under its own name (rows of the torch.optim section)."""
    if lib.kind != "torch" or lib.module == "torch.optim":
        return ()
    module = importlib.import_module(lib.module)
    return tuple(sorted(n for n, o in optimizer_classes(module) if o.__module__.startswith("torch.optim")))


def reason_of(target: str, message: str | None = None, failed: bool = False) -> tuple[str | None, str | None]:
    """(reason, source line) for an atlas target: the curated one (:mod:`.atlas_reasons`) where there is
    one; for a row that failed (``failed``, its ``message``), why it cannot run on the protocol, derived
    from its class and its error (:func:`cannot_run`); else (None, None)."""
    from invariance.report.atlas_reasons import REASONS

    entry = REASONS.get(target)
    if entry:
        return entry[2], entry[3]
    return cannot_run(target, message or "") if failed else (None, None)


_MISSING = re.compile(r"missing \d+ required (?:positional |keyword-only )?arguments?: (.+?)(?: at |$)")


def cannot_run(target: str, message: str) -> tuple[str, str | None]:
    """Why an optimizer cannot run on the protocol, in one line, and the source line of its class: a
    wrapper that needs a base optimizer, a model-level optimizer, a required argument, or its error."""
    from invariance.report import wrapped

    module, _, name = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module), name)
    except Exception:  # noqa: BLE001 - a target that does not load: its error is the reason
        cls = None
    source = _source_of(cls)
    if cls is not None and wrapped.wrapper_style(cls) is not None:
        base, why = wrapped.base_for(module, name)
        also = (f"; checked {why} as the row {wrapped.factory_name(module, name, base)}" if base
                else f"; {why}")
        return f"cannot run on the protocol: a wrapper, needs a base optimizer{also}", source
    if (cls is not None and wrapped.model_level(cls)) or "'generator' object has no attribute" in message:
        return "cannot run on the protocol: a model-level optimizer (it takes the model, not its parameters)", source
    missing = _MISSING.search(message)
    if missing:
        args = missing.group(1).strip().rstrip(".")
        return (f"cannot run on the protocol: needs a required argument {args} "
                "(give it with --opt NAME=VALUE)"), source
    error = message.split("): ", 1)[1] if "): " in message else message
    return f"cannot run on the protocol: {error.split(' at ')[0].strip()[:160]}", source


def _source_of(cls: object) -> str | None:
    """``package/file.py:LINE`` of a class (the path from its top-level package), or None."""
    if cls is None:
        return None
    try:
        path = inspect.getsourcefile(cls)  # type: ignore[arg-type]
        line = inspect.getsourcelines(cls)[1]  # type: ignore[arg-type]
    except (TypeError, OSError):
        return None
    if path is None:
        return None
    top = getattr(cls, "__module__", "").split(".")[0]
    parts = path.replace("\\", "/").split("/")
    short = "/".join(parts[parts.index(top):]) if top in parts else parts[-1]
    return f"{short}:{line}"


# -------------------------------------------------------------- wrappers, as instance factories


def lookahead_adam(params, lr: float = 1e-3):
    """pytorch_optimizer's Lookahead around torch's Adam (k = 5, α = 0.5): a wrapper row of the atlas."""
    import torch
    from pytorch_optimizer import Lookahead

    return Lookahead(torch.optim.Adam(params, lr=lr), k=5, alpha=0.5)


def sam_sgd(params, lr: float = 1e-3):
    """pytorch_optimizer's SAM around torch's SGD (ρ = 0.05): a wrapper row of the atlas."""
    import torch
    from pytorch_optimizer import SAM

    return SAM(params, torch.optim.SGD, lr=lr, rho=0.05)


#: wrapper rows shown beside the library's own (the bare classes need a base optimizer)
WRAPPERS = {"atlas-pytorch-optimizer": ("invariance.report.atlas:lookahead_adam", "invariance.report.atlas:sam_sgd")}


@functools.cache
def targets_of(lib: Library) -> tuple[str, ...]:
    return library_targets(lib) + WRAPPERS.get(lib.key, ())
