"""Where work units run: in this process, in ``-j N`` local processes, or on a Dask cluster (``--dask``).

A *work unit* is a tuple of arguments for a module-level function ``fn``; :func:`run_units` calls
``fn(*unit)`` for every unit and returns the results in unit order, wherever the units ran. Every
unit is self-contained (a learner travels as its target string and is re-loaded where it runs) and
seeded by its arguments alone, so the place never changes a result: ``-j 1``, ``-j N`` and Dask give
identical numbers.

Units leave this process by pickle: ``fn`` must be a module-level function and every argument must
pickle (targets, names, configurations, numbers — not learner objects or lambdas). On a remote Dask
cluster the workers must have invcheck and the learners' modules installed, and a ``file.py:NAME``
target must exist at that path on them. Each unit runs with one BLAS/OpenMP thread (and one torch
thread): the processes share out the cores (:mod:`invariance.threads`).

dask and distributed are an optional extra (``pip install 'invcheck[dask]'``), imported only when a
:class:`Workers` asks for Dask.

The curve experiments keep a pool of their own whose initializer carries learner objects:
:func:`local_pool` starts it. ``fork`` lets closures travel, but a child forked while
JAX's threads (or torch's intra-op pool) hold a lock can hang for ever, so once such a runtime is live
the pool is spawned instead, and learners that cannot be re-imported in a fresh process run in this
one, with a one-line :class:`InProcessWarning`.
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
from typing import Any

from invariance.errors import MissingDependency, UsageError

__all__ = ["Workers", "parse_dask", "run_units", "session", "DASK_FORMS", "DASK_HELP", "CONNECT_TIMEOUT",
           "InProcessWarning", "fork_hazard", "start_method", "local_pool"]

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
    progress: Callable[[int, int], None] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> list:
    """``[fn(*unit) for unit in units]``, run where ``workers`` says, in unit order.

    ``fn`` must be a module-level function and the units must pickle (except in process).
    ``workers.jobs > 1``: a spawn ``ProcessPoolExecutor`` of ``min(jobs, len(units))`` processes, each
    started with one BLAS/OpenMP thread (unless the user set the variables). ``workers.dask``: a
    ``distributed.Client`` on a new ``LocalCluster`` (closed afterwards) or on the running scheduler;
    each unit runs inside :func:`invariance.threads.one_thread` there. In process: the units run one
    after the other (the caller decides the threads). ``progress(done, total)`` is called here after
    each unit finishes; ``meanwhile()`` runs here once the units are submitted (in process: after
    them), for work that cannot leave this process. A unit's exception is re-raised here, and the
    units not yet finished are cancelled. Raises :class:`UsageError` when the scheduler cannot be
    reached and :class:`MissingDependency` when Dask is asked for and not installed."""
    workers = workers if workers is not None else Workers()
    units = [tuple(u) for u in units]
    if workers.dask is not None:
        return _run_dask(fn, units, workers.dask, progress, meanwhile, workers.client)
    if workers.jobs == 1 or len(units) <= 1:
        out = []
        for i, unit in enumerate(units):
            out.append(fn(*unit))
            if progress is not None:
                progress(i + 1, len(units))
        if meanwhile is not None:
            meanwhile()
        return out
    return _run_processes(fn, units, workers.jobs, progress, meanwhile)


def _run_processes(fn, units, jobs, progress, meanwhile) -> list:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from invariance.threads import one_thread_per_worker

    ctx = multiprocessing.get_context("spawn")
    with one_thread_per_worker(), ProcessPoolExecutor(max_workers=min(jobs, len(units)), mp_context=ctx) as pool:
        futures = [pool.submit(fn, *unit) for unit in units]
        try:
            if meanwhile is not None:
                meanwhile()
            for done, _ in enumerate(as_completed(futures), 1):
                if progress is not None:
                    progress(done, len(units))
            return [f.result() for f in futures]
        except BaseException:
            for f in futures:
                f.cancel()
            raise


class InProcessWarning(UserWarning):
    """A ``-j N`` pool was not started: forking was unsafe and the work could not travel to a spawned
    process, so it ran here, one unit after the other (same numbers, more time)."""


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


def start_method(modules: Any = None, *, methods: Sequence[str] | None = None) -> str:
    """The start method of a local pool: ``fork`` where the platform has it and :func:`fork_hazard`
    finds nothing, otherwise ``spawn`` (a fresh interpreter: safe whatever threads run here)."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods() if methods is None else methods
    return "fork" if "fork" in methods and fork_hazard(modules) is None else "spawn"


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


def _carried_init(files: list[tuple[str, str]], blob: bytes) -> None:
    """A spawned worker's initializer: load the ``files`` modules by path, then run the carried one."""
    import importlib.util

    for name, path in files:
        if name not in sys.modules:
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec is not None and spec.loader is not None  # a path _travel_plan checked exists
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
    initializer, initargs = pickle.loads(blob)
    initializer(*initargs)


def local_pool(jobs: int, initializer: Callable[..., Any], initargs: tuple, *, what: str = "the work",
               modules: Any = None):
    """A ``ProcessPoolExecutor`` of ``jobs`` processes that run ``initializer(*initargs)`` first (the
    initializer a module-level function; the arguments may hold learner objects), or None: then run in
    this process. Forked when :func:`start_method` allows it (closures travel); otherwise spawned, the
    arguments pickled and the learner files they need loaded there by path; None, with a one-line
    :class:`InProcessWarning` naming ``what`` and why, when the arguments cannot travel. Enter it
    inside :func:`invariance.threads.one_thread_per_worker` (the processes start on the first submit)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = start_method(modules)
    if method == "fork":
        return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                                   initializer=initializer, initargs=initargs)
    blob, files, why = _travel_plan((initializer, initargs))
    if why is None:
        assert blob is not None  # the payload pickled
        return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method),
                                   initializer=_carried_init, initargs=(files, blob))
    hazard = fork_hazard(modules) or "this platform has no fork"
    warnings.warn(f"-j {jobs}: {what} ran in this process: {hazard}, so no fork, and {why}",
                  InProcessWarning, stacklevel=3)
    return None


def _one_thread_call(fn: Callable[..., Any], unit: tuple) -> Any:
    """``fn(*unit)`` with one BLAS/OpenMP/torch thread: what a Dask worker runs for each unit."""
    from invariance.threads import one_thread

    with one_thread():
        return fn(*unit)


def _run_dask(fn, units, address, progress, meanwhile, held=None) -> list:
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
        try:
            if meanwhile is not None:
                meanwhile()
            for done, _ in enumerate(distributed.as_completed(futures, loop=client.loop), 1):
                if progress is not None:
                    progress(done, len(units))
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
