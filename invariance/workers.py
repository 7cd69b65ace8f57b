"""Where work units run: in this process, in ``-j N`` local processes, or on a Dask cluster (``--dask``).

This module is the one place that spreads work: the checks (:mod:`invariance.parallel`), the tuning
and the learning curves (:mod:`invariance.curves`) all call :func:`run_units` with one
:class:`Workers` value, built once from ``-j N`` / ``--dask`` (or the API's ``jobs=`` / ``dask=``).

A *work unit* is a tuple of arguments for a module-level function ``fn``; :func:`run_units` calls
``fn(*unit)`` for every unit and returns the results in unit order, wherever the units ran. Every
unit is self-contained and seeded by its arguments alone, so the place never changes a result:
``-j 1``, ``-j N`` and Dask give identical numbers.

Units leave this process by pickle: ``fn`` must be a module-level function and every argument must
pickle (targets, names, configurations, numbers). Objects that every unit reads and that may not
re-load from a name (learner objects: a learner file loaded by path, a closure) go as ``shared``, to
each local process once. Local processes are spawned (a fresh interpreter: safe whatever threads
run here), ``shared`` pickled into them with the learner files it needs loaded there by path. Only
where ``shared`` does not pickle (a closure) are they forked, so that the children inherit it; but a
child forked while JAX's threads (or torch's intra-op pool) hold a lock can hang for ever, so once
such a runtime is live (:func:`fork_hazard`) the units run in this process instead, with a one-line
:class:`InProcessWarning`. A Dask cluster takes no ``shared`` objects: there a learner travels as
its target string and is re-loaded where it runs (on a remote cluster the workers must have
invcheck and the learners' modules installed, and a ``file.py:NAME`` target must exist at that path
on them). Each unit runs with one BLAS/OpenMP thread (and one torch thread): the processes share
out the cores (:mod:`invariance.threads`).

dask and distributed are an optional extra (``pip install 'invcheck[dask]'``), imported only when a
:class:`Workers` asks for Dask.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import io
import pickle
import re
import sys
import types
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

from invariance.errors import MissingDependency, UsageError

__all__ = ["Workers", "parse_dask", "run_units", "session", "DASK_FORMS", "DASK_HELP", "CONNECT_TIMEOUT",
           "InProcessWarning", "fork_hazard", "start_method"]

#: the forms ``--dask`` accepts, for messages and help
DASK_FORMS = "local:N (a LocalCluster of N worker processes), tcp://HOST:PORT, HOST:PORT or tls://HOST:PORT"
#: the ``--dask`` help text the subcommands share
DASK_HELP = (
    "run the work units on a Dask cluster instead of local processes: local:N starts a LocalCluster of "
    "N worker processes; tcp://HOST:PORT (or HOST:PORT, tls://HOST:PORT) uses a running scheduler "
    "(`dask scheduler`, then `dask worker ADDRESS` on each machine, with invcheck and the learners "
    "installed). Same results as -j 1; not combined with -j N > 1. Needs pip install 'invcheck[dask]'"
)
#: seconds to wait for a remote scheduler to answer, and for it to have a worker
CONNECT_TIMEOUT = 10.0

_HOST_PORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.\-]+):(?P<port>\d{1,5})$")


def parse_dask(text: str) -> str:
    """The normalised ``--dask`` value: ``local:N`` (N ≥ 1), ``tcp://HOST:PORT`` (``HOST:PORT`` gains
    ``tcp://``) or ``tls://HOST:PORT``; anything else is a one-line :class:`UsageError`."""
    raw = text.strip() if isinstance(text, str) else ""
    bad = UsageError(f"--dask {text!r} is not an address; use {DASK_FORMS}")
    if raw.lower().startswith("local:"):
        n = raw[len("local:"):]
        if not n.isdigit() or int(n) < 1:
            raise UsageError(f"--dask {text!r}: local:N needs a whole number of worker processes N ≥ 1, e.g. local:4")
        return f"local:{int(n)}"
    scheme, sep, rest = raw.partition("://")
    if not sep:
        scheme, rest = "tcp", raw
    scheme = scheme.lower()
    if scheme not in ("tcp", "tls"):
        raise bad
    m = _HOST_PORT.match(rest)
    if not m or not 0 < int(m.group("port")) < 65536:
        raise bad
    return f"{scheme}://{m.group('host')}:{int(m.group('port'))}"


@dataclass(frozen=True)
class Workers:
    """Where the work units run: ``jobs`` local processes (1: this process), or the Dask cluster
    ``dask`` (``local:N`` or a scheduler address, normalised by :func:`parse_dask`). The two are
    alternatives: ``dask`` with ``jobs > 1`` is a :class:`UsageError`."""

    jobs: int = 1
    dask: str | None = None
    #: an open ``distributed.Client`` for ``dask``, set by :func:`session` only (not part of the value)
    client: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if isinstance(self.jobs, bool) or not isinstance(self.jobs, int) or self.jobs < 1:
            raise UsageError(f"-j must be at least 1, got {self.jobs!r}")
        if self.dask is not None:
            object.__setattr__(self, "dask", parse_dask(self.dask))
            if self.jobs > 1:
                raise UsageError(
                    f"-j {self.jobs} and --dask {self.dask} are alternatives: -j runs local processes, --dask a "
                    "Dask cluster (local:N for N processes); give one"
                )

    @property
    def in_process(self) -> bool:
        """Everything runs in this process (``-j 1`` and no Dask)."""
        return self.dask is None and self.jobs == 1

    def describe(self) -> str:
        if self.dask is not None:
            return f"Dask {self.dask}"
        return f"{self.jobs} process" + ("" if self.jobs == 1 else "es")


def run_units(
    fn: Callable[..., Any],
    units: Iterable[Sequence[Any]],
    workers: Workers | None = None,
    *,
    shared: Any = None,
    what: str = "the work",
    progress: Callable[[int, int], None] | None = None,
    each: Callable[[int, Any], None] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> list:
    """``[fn(*unit) for unit in units]`` (with ``shared``: ``[fn(shared, *unit) …]``), run where
    ``workers`` says, in unit order.

    ``fn`` must be a module-level function and the units must pickle (except in process).
    ``workers.jobs > 1``: a pool of ``min(jobs, len(units))`` local processes (:func:`start_method`),
    spawned with one BLAS/OpenMP thread each (unless the user set the variables) and this process's
    warning filters. ``shared`` (learner objects, say) is sent to each local process once: pickled into
    spawned processes, the learner files it needs loaded there by path; where it does not pickle (a
    closure), forked processes inherit it, unless forking is unsafe (:func:`fork_hazard`): then every
    unit runs here, with one :class:`InProcessWarning` naming ``what``. ``workers.dask``: a
    ``distributed.Client`` on a new ``LocalCluster`` (closed afterwards) or on the running scheduler
    (``shared`` cannot go there); each unit runs inside :func:`invariance.threads.one_thread`. In
    process: the units run one after the other (the caller decides the threads).

    Called here: ``each(i, result)`` as unit i finishes (an exception it raises cancels the units not
    yet finished and propagates), then ``progress(done, total)``; ``meanwhile()`` once the units are
    submitted (in process: after them), for work that cannot leave this process. A unit's exception
    is re-raised here (the first in unit order), and the units not yet finished are cancelled. Raises
    :class:`UsageError` when the scheduler cannot be reached and :class:`MissingDependency` when Dask
    is asked for and not installed."""
    workers = workers if workers is not None else Workers()
    units = [tuple(u) for u in units]
    done = _Done(len(units), progress, each)
    if workers.dask is not None:
        if shared is not None:
            raise ValueError("run_units: shared objects travel to local processes only, not to Dask")
        return _run_dask(fn, units, workers.dask, done, meanwhile, workers.client)
    if workers.jobs > 1 and len(units) > 1:
        pool = _local_pool(min(workers.jobs, len(units)), shared, what=f"-j {workers.jobs}: {what}")
        if pool is not None:
            return _run_processes(pool, fn, units, shared is not None, done, meanwhile)
    out = []
    for i, unit in enumerate(units):
        out.append(fn(*unit) if shared is None else fn(shared, *unit))
        done(i, out[-1])
    if meanwhile is not None:
        meanwhile()
    return out


class _Done:
    """The callbacks run here as each unit finishes: ``each(i, result)``, then ``progress(done, total)``."""

    def __init__(self, total: int, progress, each):
        self.total, self.progress, self.each, self.count = total, progress, each, 0

    def __call__(self, i: int, result: Any) -> None:
        if self.each is not None:
            self.each(i, result)
        self.count += 1
        if self.progress is not None:
            self.progress(self.count, self.total)


def _run_processes(pool, fn, units, with_shared: bool, done: _Done, meanwhile) -> list:
    from concurrent.futures import as_completed

    from invariance.threads import one_thread_per_worker

    with one_thread_per_worker(), pool:  # the processes start on the first submit
        futures = [pool.submit(_shared_call, fn, unit) if with_shared else pool.submit(fn, *unit) for unit in units]
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
        ):
            continue
        path = getattr(sys.modules.get(name), "__file__", None)
        if not path or "." in name:
            return None, [], f"module {name or '?'} cannot be imported in a fresh process"
        files.append((name, path))
    return buffer.getvalue(), files, None


#: what this process's pool initializer received (in a pool process only; never set in the caller)
_SHARED: list[Any] = []


def _shared_call(fn: Callable[..., Any], unit: tuple) -> Any:
    """``fn(shared, *unit)`` in a pool process, ``shared`` as its initializer received it."""
    return fn(_SHARED[0], *unit)


def _inherit(shared: Any) -> None:
    """A forked process's initializer: keep ``shared`` (inherited, never pickled)."""
    _SHARED[:] = [shared]


def _spawned_init(filters: list, files: list[tuple[str, str]], blob: bytes | None) -> None:
    """A spawned process's initializer: the caller's warning filters, then the ``files`` modules loaded
    by path, then the shared objects unpickled (``blob``; None: nothing shared)."""
    import importlib.util

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


def _local_pool(jobs: int, shared: Any, *, what: str, modules: Any = None):
    """The ``ProcessPoolExecutor`` of ``jobs`` processes that :func:`run_units` uses (started as
    :func:`start_method` says), or None, with a one-line :class:`InProcessWarning` naming ``what`` and
    why: then the units run in this process."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    blob, files, why = (None, [], None) if shared is None else _travel_plan(shared)
    method = start_method(modules, pickles=why is None)
    if method == "spawn":
        return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_spawned_init, initargs=(_portable_filters(), files, blob))
    if method == "fork":
        return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_inherit, initargs=(shared,))
    hazard = fork_hazard(modules) or "this platform has no fork"
    warnings.warn(f"{what} ran in this process: no spawned process can receive what they share ({why}), "
                  f"and {hazard}, so no fork", InProcessWarning, stacklevel=4)
    return None


def _one_thread_call(fn: Callable[..., Any], unit: tuple) -> Any:
    """``fn(*unit)`` with one BLAS/OpenMP/torch thread: what a Dask worker runs for each unit."""
    from invariance.threads import one_thread

    with one_thread():
        return fn(*unit)


def _run_dask(fn, units, address, done: _Done, meanwhile, held=None) -> list:
    try:
        import distributed
    except ImportError as exc:
        raise MissingDependency("distributed", "dask", f"--dask {address}") from exc
    if not units:
        if meanwhile is not None:
            meanwhile()
        return []
    with (contextlib.nullcontext(held) if held is not None else _client(distributed, address)) as client:
        futures = [client.submit(_one_thread_call, fn, unit, pure=False) for unit in units]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            if meanwhile is not None:
                meanwhile()
            for f in distributed.as_completed(futures, loop=client.loop):
                if f.status == "finished":
                    done(index[f.key], f.result())
            return [f.result() for f in futures]
        except BaseException:
            client.cancel(futures)
            raise


@contextlib.contextmanager
def session(workers: Workers | None):
    """``with session(workers) as w:`` — ``w`` is ``workers`` holding one open Dask client (and its
    LocalCluster) for every :func:`run_units` call made with it, so that a command sending several
    batches of units (tuning, then curves, section after section) starts its cluster once. Local
    processes need nothing held: ``w`` is ``workers`` itself."""
    if workers is None or workers.dask is None or workers.client is not None:
        yield workers
        return
    try:
        import distributed
    except ImportError as exc:
        raise MissingDependency("distributed", "dask", f"--dask {workers.dask}") from exc
    with _client(distributed, workers.dask) as client:
        yield replace(workers, client=client)


class _client:
    """A ``distributed.Client`` for ``address``, and the LocalCluster behind ``local:N``; both closed on exit."""

    def __init__(self, distributed, address: str):
        self.distributed, self.address = distributed, address
        self.cluster = self.client = None

    def __enter__(self):
        import logging
        import os

        from invariance.threads import THREAD_VARS

        distributed = self.distributed
        if self.address.startswith("local:"):
            n = int(self.address.split(":", 1)[1])
            # one BLAS/OpenMP thread per worker process unless the user chose (Dask's nanny sets 1 anyway)
            env = {k: os.environ.get(k, "1") for k in THREAD_VARS}
            self.cluster = distributed.LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                silence_logs=logging.CRITICAL, env=env,  # a unit's error is re-raised here
            )
            try:
                self.client = distributed.Client(self.cluster, set_as_default=False)
            except BaseException:
                self.cluster.close()
                raise
            return self.client
        try:
            self.client = distributed.Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except Exception as exc:  # OSError, TimeoutError; TypeError for tls:// without Dask's TLS configuration
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise UsageError(
                f"cannot reach the Dask scheduler at {self.address} ({reason}); start one with `dask scheduler` "
                f"and workers with `dask worker {self.address}`, or use --dask local:N"
            ) from None
        try:
            self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError):
            self.client.close()
            raise UsageError(
                f"the Dask scheduler at {self.address} has no workers after {CONNECT_TIMEOUT:g} s; "
                f"start some with `dask worker {self.address}`"
            ) from None
        except BaseException:
            self.client.close()
            raise
        return self.client

    def __exit__(self, *exc):
        try:
            if self.client is not None:
                self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()
        return False
