"""The local process pool behind ``-j N`` (:func:`invariance.workers.run_units`): how it starts
(spawn, or fork only for what does not pickle and only where forking is safe), what travels to its
processes and how they receive it. See :mod:`invariance.workers` for the whole story; its names
``InProcessWarning``, ``fork_hazard`` and ``start_method`` are re-exported there.
"""

from __future__ import annotations

import importlib.machinery
import io
import pickle
import sys
import types
import warnings
from collections.abc import Callable, Sequence
from typing import Any, cast

from invariance.errors import SURFACE

__all__ = ["InProcessWarning", "fork_hazard", "start_method", "local_pool", "run_processes", "submit_in_order"]


def run_processes(pool, fn, units, with_shared: bool, done: Callable[[int, Any], None], meanwhile,
                  order: Sequence[int] | None = None) -> list:
    """Submit every unit to ``pool`` (a :func:`local_pool`) in ``order`` (default: unit order),
    ``done(i, result)`` as each finishes; the results in unit order (the first exception in unit order
    re-raised, the rest cancelled)."""
    from concurrent.futures import as_completed

    from invariance.threads import one_thread_per_worker

    with one_thread_per_worker(), pool:  # the processes start on the first submit
        futures = submit_in_order(
            lambda u: pool.submit(_shared_call, fn, u) if with_shared else pool.submit(fn, *u), units, order)
        index = {f: i for i, f in enumerate(futures)}
        try:
            if meanwhile is not None:
                meanwhile()
            for f in as_completed(futures):
                if f.exception() is None:
                    done(index[f], f.result())
            return [f.result() for f in futures]
        except BaseException:
            for f in futures:
                f.cancel()
            raise


def submit_in_order(submit: Callable[[Any], Any], units: Sequence, order: Sequence[int] | None) -> list:
    """``submit(unit)`` for every unit, in ``order`` (a permutation of the units' indices; default: unit
    order), the futures returned in unit order; where a submit raises, those already submitted are cancelled.
    The one submit loop of a ``-j N`` pool and a Dask cluster."""
    order = list(range(len(units))) if order is None else list(order)
    if sorted(order) != list(range(len(units))):
        raise ValueError(f"the order {order} is not one of the {len(units)} units each")
    futures: list[Any] = [None] * len(units)
    try:
        for i in order:
            futures[i] = submit(units[i])
    except BaseException:
        for f in futures:
            if f is not None:
                f.cancel()
        raise
    return futures


class InProcessWarning(UserWarning):
    """A ``-j N`` pool was not started: what its processes share could travel neither by pickle nor by
    fork (unsafe here), so the work ran in this process, one unit after the other (same numbers, more
    time)."""


def fork_hazard(modules: Any = None) -> str | None:
    """Why forking this process could deadlock, or None: JAX is imported (XLA runs threads of its own,
    and JAX itself warns that a fork "will likely lead to a deadlock"), or torch is imported with more
    than one intra-op thread. ``modules`` stands for :data:`sys.modules` (tests pass their own)."""
    modules = sys.modules if modules is None else modules
    if "jax" in modules:
        return "JAX is loaded (it is multithreaded)"
    torch = modules.get("torch")
    if torch is not None:
        try:
            threads = int(torch.get_num_threads())
        except Exception:  # a half-imported or stand-in module
            threads = 1
        if threads > 1:
            return f"torch is loaded with {threads} intra-op threads"
    return None


def start_method(modules: Any = None, *, methods: Sequence[str] | None = None, pickles: bool = True) -> str | None:
    """How a local pool starts: ``spawn`` (a fresh interpreter: safe whatever threads run here) when
    what its processes share ``pickles`` — always so without shared objects; otherwise ``fork`` (the
    children inherit it) where the platform has fork and :func:`fork_hazard` finds nothing; otherwise
    None: the work runs in this process."""
    import multiprocessing

    if pickles:
        return "spawn"
    methods = multiprocessing.get_all_start_methods() if methods is None else methods
    return "fork" if "fork" in methods and fork_hazard(modules) is None else None


def _travel_plan(payload: Any) -> tuple[bytes | None, list[tuple[str, str]], str | None]:
    """How ``payload`` reaches a spawned process: ``(blob, files, None)``, its pickle and the modules
    (name, path) that the new interpreter must load from their files before unpickling it (a learner
    file loaded by path has a name no fresh interpreter can import), or ``(None, [], why)`` when it
    cannot travel (a lambda or closure does not pickle; a module with neither name nor file)."""
    modules: set[str] = set()

    class _Recorder(pickle.Pickler):
        def reducer_override(self, obj):
            if isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
                modules.add(getattr(obj, "__module__", None) or "")
            return NotImplemented

    buffer = io.BytesIO()
    try:
        _Recorder(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(payload)
    except Exception as exc:  # PicklingError, AttributeError ("Can't pickle local object"), TypeError
        return None, [], f"it does not pickle ({' '.join(str(exc).split())[:120]})"
    files: list[tuple[str, str]] = []
    for name in sorted(modules):
        top = name.partition(".")[0]
        if top == "__main__" and getattr(sys.modules.get("__main__"), "__file__", None):
            continue  # spawn runs the main file again, as __mp_main__
        if top and top != "__main__" and (
            top in sys.builtin_module_names
            or importlib.machinery.FrozenImporter.find_spec(top) is not None
            or importlib.machinery.PathFinder.find_spec(top, sys.path) is not None
            or _found_by_an_installed_finder(top)
        ):
            continue
        path = getattr(sys.modules.get(name), "__file__", None)
        if not path or "." in name:
            return None, [], f"module {name or '?'} cannot be imported in a fresh process"
        files.append((name, path))
    return buffer.getvalue(), files, None


def _found_by_an_installed_finder(top: str) -> bool:
    """Whether a meta-path finder other than Python's own finds ``top``: an editable install's finder
    (setuptools' ``_EditableFinder``, put there by a ``.pth`` file at startup) does so in a fresh process too,
    where ``sys.path`` alone does not show the package (a user's ``pip install -e .`` project, invcheck's own)."""
    standard = (importlib.machinery.BuiltinImporter, importlib.machinery.FrozenImporter,
                importlib.machinery.PathFinder)
    for finder in sys.meta_path:
        if finder in standard or not hasattr(finder, "find_spec"):
            continue
        try:
            if finder.find_spec(top, None) is not None:
                return True
        except Exception:  # noqa: BLE001, S112 - a third-party finder that cannot answer does not find it
            continue
    return False


#: what this process's pool initializer received (in a pool process only; never set in the caller)
_SHARED: list[Any] = []


def _shared_call(fn: Callable[..., Any], unit: tuple) -> Any:
    """``fn(shared, *unit)`` in a pool process, ``shared`` as its initializer received it."""
    return fn(_SHARED[0], *unit)


def _inherit(shared: Any) -> None:
    """A forked process's initializer: keep ``shared`` (inherited, never pickled)."""
    _SHARED[:] = [shared]


def _spawned_init(filters: list, files: list[tuple[str, str]], blob: bytes | None, surface: str = "api") -> None:
    """A spawned process's initializer: the caller's warning filters and surface (messages spelled for the
    command line or the API, :data:`~invariance.errors.SURFACE`), then the ``files`` modules loaded by path,
    then the shared objects unpickled (``blob``; None: nothing shared)."""
    import importlib.util

    SURFACE.set(surface)
    cast(list, warnings.filters)[:] = filters  # a fresh process: nothing warned yet, no registry to reset
    for name, path in files:
        if name not in sys.modules:
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec is not None and spec.loader is not None  # a path _travel_plan checked exists
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
    if blob is not None:
        _SHARED[:] = [pickle.loads(blob)]


def _portable_filters() -> list:
    """This process's warning filters that pickle and unpickle anywhere (a category from a learner file
    loaded by path does not): a spawned process starts with them, as a forked one would."""
    kept = []
    for f in warnings.filters:
        _, files, why = _travel_plan(f)
        if why is None and not files:
            kept.append(f)
    return kept


def unguarded_main_call() -> str | None:
    """``FILE:LINE`` of the top-level line of the ``__main__`` script that is running now, when that line is
    not under ``if __name__ == "__main__":`` (a spawned process re-imports such a script and would run it
    again: three tracebacks and a BrokenProcessPool); None when guarded, or when spawn does not re-import
    ``__main__`` (an interactive session, ``python -c``, a package's ``__main__``)."""
    import ast

    main = sys.modules.get("__main__")
    spec = getattr(getattr(main, "__spec__", None), "name", None)
    if spec is not None and (spec == "__main__" or spec.endswith(".__main__")):
        return None  # multiprocessing does not re-import a package's __main__
    if spec is None and not getattr(main, "__file__", None):
        return None
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None and not (frame.f_globals.get("__name__") == "__main__"
                                     and frame.f_code.co_name == "<module>"):
        frame = frame.f_back
    if frame is None:
        return None
    path, line = frame.f_code.co_filename, frame.f_lineno
    try:
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_main_test(node.test) and node.lineno <= line <= (node.end_lineno or 0):
            return None
    import os

    return f"{os.path.basename(path)}:{line}"


def _is_main_test(test: Any) -> bool:
    import ast

    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    values = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and values == ["__main__"]


def local_pool(jobs: int, shared: Any, *, what: str, modules: Any = None):
    """The ``ProcessPoolExecutor`` of ``jobs`` processes that :func:`invariance.workers.run_units` uses (started as
    :func:`start_method` says), or None, with a one-line :class:`InProcessWarning` naming ``what`` and
    why: then the units run in this process."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    blob, files, why = (None, [], None) if shared is None else _travel_plan(shared)
    method = start_method(modules, pickles=why is None)
    if method == "spawn":
        call = unguarded_main_call()
        if call is not None:
            from invariance.errors import UsageError

            raise UsageError(f"the {jobs} worker processes started from {call} would re-import that script, where "
                             "this call is at the top level, and run it again: put the call under "
                             "`if __name__ == \"__main__\":`, or use jobs=1")
        return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_spawned_init,
                                   initargs=(_portable_filters(), files, blob, SURFACE.get()))
    if method == "fork":
        return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_inherit, initargs=(shared,))
    hazard = fork_hazard(modules) or "this platform has no fork"
    warnings.warn(f"{what} ran in this process: no spawned process can receive what they share ({why}), "
                  f"and {hazard}, so no fork", InProcessWarning, stacklevel=4)
    return None
