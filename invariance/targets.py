"""Resolve a TARGET string to learners.

Forms (docs/design.md#contracts): ``package.module``, ``package.module:NAME``, ``path/to/file.py:NAME`` and
``path/to/file.py``. A module (or package, walked recursively) yields every learner it registers
with ``@learner``; a module that registers none yields the public functions it defines with the
contract's three positional parameters. Objects that are not plain callables are handed to the
adapters (scikit-learn estimators, ``torch.optim.Optimizer`` subclasses).
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import importlib.util
import inspect
import os
import pkgutil
import sys
import traceback
from types import ModuleType
from typing import Any

from invariance.contract import Learner, as_learner, check_outputs, declaration_of
from invariance.errors import InvarianceError, UsageError, one_line

__all__ = ["load", "load_many", "learners_of", "resolve", "target_of"]


def load_many(targets: list[str], *, options: dict | None = None) -> list[Learner]:
    out: list[Learner] = []
    for t in targets:
        out.extend(load(t, options=options))
    return out


def learners_of(obj: Any, *, options: dict | None = None) -> list[Learner]:
    """Every learner named by ``obj``: a TARGET string, a :class:`Learner`, a module, or an object —
    a function (decorated or not), a scikit-learn estimator class or instance, a torch optimizer class."""
    options = dict(options or {})
    if isinstance(obj, str):
        return load(obj, options=options)
    if isinstance(obj, Learner):
        return [obj]
    if inspect.ismodule(obj):
        return _learners_of_module(obj, obj.__name__, options)
    name = getattr(obj, "__name__", None) or type(obj).__name__
    return [_to_learner(obj, name=name, target=target_of(obj), options=options)]


def target_of(obj: Any) -> str:
    """The TARGET that re-imports ``obj`` from the directory the check runs in: ``module:qualname``, or
    ``path/to/file.py:name`` for a script's own function; ``<…>`` (file:line) when it cannot be
    re-imported: a lambda, a function defined inside another, an estimator instance."""
    qualname = getattr(obj, "__qualname__", None)
    module = getattr(obj, "__module__", None)
    if qualname is None or module is None or inspect.ismethod(obj):
        return f"<{type(obj).__name__} instance: {_short_repr(obj)}>"
    if "<" in qualname:  # <lambda>, <locals>
        code = getattr(obj, "__code__", None)
        where = f" at {_rel(code.co_filename)}:{code.co_firstlineno}" if code is not None else ""
        return f"<{qualname}{where}>"
    if module == "__main__" or module.startswith("invcheck_user_"):
        path = getattr(sys.modules.get(module), "__file__", None)
        return f"{_rel(path)}:{qualname}" if path else f"<{qualname} in {module}>"
    return f"{module}:{qualname}"


def _rel(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive
        return path
    return path if rel.startswith(".." + os.sep + "..") else rel


def _short_repr(obj: Any) -> str:
    text = " ".join(repr(obj).split())
    return text if len(text) <= 60 else text[:57] + "..."


def cwd_on_path() -> None:
    """Put the current directory first on ``sys.path``, as ``python -m`` does, so that a printed
    ``invcheck mypkg.learners:f`` runs from where the check started without setting PYTHONPATH."""
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)


def load(target: str, *, options: dict | None = None) -> list[Learner]:
    """Every learner named by ``target``; raises :class:`UsageError` with a one-line message."""
    options = dict(options or {})
    if not isinstance(target, str) or not target.strip():
        raise UsageError("empty TARGET; give package.module, package.module:NAME or path/to/file.py:NAME")
    target = target.strip()
    modpart, sep, attr = _split(target)
    module = _import(modpart)
    if not sep:
        return _learners_of_module(module, target, options)
    obj = _getattr(module, attr, target)
    if inspect.ismodule(obj):
        if obj.__name__ != f"{module.__name__}.{attr}":
            raise UsageError(
                f"{target} is the module {obj.__name__!r}, not a learner; name a function in it as MODULE:NAME"
            )
        return _learners_of_module(obj, target, options)
    return [_to_learner(obj, name=attr.split(".")[-1], target=target, options=options)]


def resolve(spec: str, *, what: str) -> Any:
    """The object ``spec`` names (``package.module:NAME`` or ``path/to/file.py:NAME``), imported as a TARGET
    is; :class:`UsageError` (one line, naming the option ``what``) where it cannot be."""
    modpart, sep, attr = _split(spec.strip()) if isinstance(spec, str) else ("", "", "")
    if not sep:
        raise UsageError(f"{what} {spec!r} needs the form FILE.py:NAME or module:NAME")
    return _getattr(_import(modpart), attr, spec)


def _split(target: str) -> tuple[str, str, str]:
    # a Windows drive letter is not a separator; "path/to/file.py:NAME" and "pkg.mod:NAME" split at the last ':'
    if ":" in target:
        head, _, tail = target.rpartition(":")
        if head and tail and not tail.startswith(("/", "\\")):
            return head, ":", tail
    return target, "", ""


def _import(modpart: str) -> ModuleType:
    if modpart.endswith(".py") or os.sep in modpart or "/" in modpart:
        return _import_path(modpart)
    if not all(p.isidentifier() for p in modpart.split(".")):
        raise UsageError(
            f"{modpart!r} is neither a module name (package.module) nor a path to a .py file"
        )
    cwd_on_path()
    try:
        return importlib.import_module(modpart)
    except ModuleNotFoundError as exc:
        if exc.name and (modpart == exc.name or modpart.startswith(exc.name + ".")):
            raise UsageError(_missing_module_message(modpart, exc.name)) from None
        raise UsageError(f"importing {modpart} failed: {_one_line(exc)}") from None
    except InvarianceError:
        raise
    except BaseException as exc:  # a user's module may raise anything at import time
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise UsageError(f"importing {modpart} failed: {_one_line(exc)}") from None


def _import_path(path: str) -> ModuleType:
    if not os.path.exists(path):
        raise UsageError(f"no such file {path!r}; give an existing path/to/file.py (relative to {os.getcwd()})")
    if os.path.isdir(path):
        raise UsageError(f"{path!r} is a directory; name a .py file, or the package as a dotted module name")
    name = "invcheck_user_" + os.path.splitext(os.path.basename(path))[0].replace("-", "_")
    abspath = os.path.abspath(path)
    cached = sys.modules.get(name)
    if cached is not None and getattr(cached, "__file__", None) == abspath:
        return cached
    spec = importlib.util.spec_from_file_location(name, abspath)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot import {path!r}: not a Python source file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    # let the file import its siblings, as `python file.py` would
    sys.path.insert(0, os.path.dirname(abspath))
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(name, None)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise UsageError(f"importing {path} failed: {_one_line(exc)}") from None
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(os.path.dirname(abspath))
    return module


def _missing_module_message(modpart: str, missing: str) -> str:
    parent, _, leaf = missing.rpartition(".")
    candidates: list[str] = []
    if parent:
        try:
            pkg = importlib.import_module(parent)
            candidates = [m.name for m in pkgutil.iter_modules(getattr(pkg, "__path__", []))]
        except Exception:
            candidates = []
    else:
        candidates = [m.name for m in pkgutil.iter_modules()]
    close = difflib.get_close_matches(leaf, candidates, n=3, cutoff=0.6)
    hint = (
        f"; did you mean {', '.join((parent + '.' if parent else '') + c for c in close)}?"
        if close
        else "; check the spelling, or install the package that provides it"
    )
    return f"no module named {missing!r} (from TARGET {modpart!r}){hint}"


def _getattr(module: ModuleType, attr: str, target: str) -> Any:
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part) and hasattr(obj, "__path__"):
            with contextlib.suppress(ImportError):  # a package's submodule that nothing imported yet
                importlib.import_module(f"{obj.__name__}.{part}")
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_")]
            if hasattr(obj, "__path__"):
                names += [m.name for m in pkgutil.iter_modules(obj.__path__) if not m.name.startswith("_")]
            close = difflib.get_close_matches(part, names, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else _defined_here(obj)
            raise UsageError(f"{_where(obj, target)} has no attribute {part!r} (TARGET {target!r}){hint}")
        obj = getattr(obj, part)
    return obj


def _where(obj: Any, target: str) -> str:
    """How to name ``obj`` to the user: a file loaded by path by its path (not its internal module name)."""
    name = getattr(obj, "__name__", type(obj).__name__)
    if isinstance(obj, ModuleType) and name.startswith("invcheck_user_") and ":" in target:
        return target.rpartition(":")[0]
    return name


def _defined_here(obj: Any, shown: int = 8) -> str:
    """``; it defines f, g, …``: the public callables a module defines itself (not those it imports)."""
    if not isinstance(obj, ModuleType):
        return ""
    exported = getattr(obj, "__all__", None)
    if isinstance(exported, (list, tuple)):  # what the module says it exports (a package re-exporting its parts)
        own = sorted(str(n) for n in exported)
    else:
        own = sorted(n for n, v in vars(obj).items()
                     if not n.startswith("_") and callable(v) and getattr(v, "__module__", None) == obj.__name__)
    if hasattr(obj, "__path__"):  # a package: its submodules are targets too
        own += sorted(m.name for m in pkgutil.iter_modules(obj.__path__)
                      if not m.name.startswith("_") and m.name not in own)
    if not own:
        return "; it defines no public function or class"
    more = f" and {len(own) - shown} more" if len(own) > shown else ""
    return f"; it defines {', '.join(own[:shown])}{more}"


def _to_learner(obj: Any, *, name: str, target: str, options: dict) -> Learner:
    from invariance.adapters import adapt

    adapted = adapt(obj, name=name, target=target, options=options)
    if adapted is not None:
        return adapted
    return _plain(obj, name=name, target=target, options=options)


def _plain(obj: Any, *, name: str, target: str, options: dict) -> Learner:
    """A plain callable as a learner; ``--outputs H`` makes it one that takes n×H targets."""
    plain = as_learner(obj, name=name, target=target)
    if options.get("outputs") is not None:
        from dataclasses import replace

        h = check_outputs(options["outputs"], "--outputs")
        plain = replace(plain, outputs=h, options={**plain.options, "outputs": h})
    return plain


def _submodules(module: ModuleType) -> list[ModuleType]:
    mods = [module]
    path = getattr(module, "__path__", None)
    if path is None:
        return mods
    for info in sorted(pkgutil.walk_packages(path, module.__name__ + "."), key=lambda i: i.name):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        mods.append(_import(info.name))
    return mods


def _learners_of_module(module: ModuleType, target: str, options: dict) -> list[Learner]:
    registered: list[Learner] = []
    seen: set[int] = set()
    for mod in _submodules(module):
        for attr, obj in vars(mod).items():
            if attr.startswith("_") or id(obj) in seen or declaration_of(obj) is None:
                continue
            seen.add(id(obj))
            where = _display(module, target) if mod is module else mod.__name__  # a file's path, not its alias
            registered.append(_plain(obj, name=attr, target=f"{where}:{attr}", options=options))
    if registered:
        plain = sorted(attr for attr, obj in vars(module).items()
                       if _defines_plain_learner(module, attr, obj) and declaration_of(obj) is None)
        if plain:
            import warnings

            from invariance.errors import SkippedWarning

            names = ", ".join(plain)
            warnings.warn(f"{target}: checking its @invariance.learner functions only; {names} "
                          f"(f(X_train, y_train, X_test), not decorated) left out: name one as "
                          f"{_display(module, target)}:{plain[0]} to check it", SkippedWarning, stacklevel=2)
        return registered
    defined = []
    for attr, obj in vars(module).items():
        if attr.startswith("_"):
            continue
        where = f"{_display(module, target)}:{attr}"
        if _defines_plain_learner(module, attr, obj):
            defined.append(_plain(obj, name=attr, target=where, options=options))
        elif _is_regressor_instance(obj):
            defined.append(_to_learner(obj, name=attr, target=where, options=options))
    if not defined:
        optimizers = [n for n, o in optimizer_classes(module, import_torch=False) if o.__module__ == module.__name__]
        every = "" if target.endswith(".py") else f", or all with invcheck atlas {target}"
        hint = (f"; it defines torch optimizers ({', '.join(optimizers)}): check one as "
                f"{_display(module, target)}:{optimizers[0]}{every}") if optimizers else ""
        raise UsageError(
            f"{target} registers no learner and defines no function f(X_train, y_train, X_test) nor a "
            "scikit-learn regressor instance; decorate learners with @invariance.learner(...) "
            f"or name one as MODULE:NAME{hint}"
        )
    return defined


def optimizer_classes(module: Any, *, import_torch: bool = True) -> list[tuple[str, type]]:
    """The public ``torch.optim.Optimizer`` subclasses ``module`` exports, by name (the base class itself left
    out); none where torch is not installed, or, without ``import_torch``, not imported yet (a module that
    defines one has imported it)."""
    if "torch" not in sys.modules and (not import_torch or importlib.util.find_spec("torch") is None):
        return []
    import torch

    return [(n, o) for n in dir(module) if not n.startswith("_")
            if inspect.isclass(o := getattr(module, n, None)) and issubclass(o, torch.optim.Optimizer)
            and o is not torch.optim.Optimizer]


def _is_regressor_instance(obj: Any) -> bool:
    """A scikit-learn regressor *instance* (a module's own configured estimator, pipelines included).
    Classes are left out (``from sklearn.linear_model import Ridge`` is an import, not a definition),
    and so are transformers and classifiers a module may also hold."""
    if inspect.isclass(obj) or "sklearn" not in sys.modules:
        return False
    if not all(hasattr(obj, a) for a in ("fit", "predict", "get_params")):
        return False
    from sklearn.base import is_regressor

    try:
        return bool(is_regressor(obj))
    except Exception:  # an estimator-like object sklearn cannot classify
        return False


def _display(module: ModuleType, target: str) -> str:
    return target if target.endswith(".py") else module.__name__


def _defines_plain_learner(module: ModuleType, attr: str, obj: Any) -> bool:
    """A public function ``module`` defines (not imports) with the shape f(X_train, y_train, X_test)."""
    return (not attr.startswith("_") and inspect.isfunction(obj) and obj.__module__ == module.__name__
            and _looks_like_learner(obj))


def _looks_like_learner(fn: Any) -> bool:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [
        p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    return len(positional) == 3


def _one_line(exc: BaseException) -> str:
    """``ExcType: message (file:line)`` of the innermost frame: one line, no traceback."""
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" ({os.path.relpath(tb[-1].filename)}:{tb[-1].lineno})" if tb else ""
    return f"{one_line(exc)}{where}"
