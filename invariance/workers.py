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

The local pool itself (how it starts, what travels to its processes) is :mod:`invariance.pool`.

dask and distributed are an optional extra (``pip install 'invcheck[dask]'``), imported only when a
:class:`Workers` asks for Dask.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from invariance.errors import MissingDependency, UsageError
from invariance.pool import (  # re-exported: the local pool's names stay importable from here
    InProcessWarning,
    fork_hazard,
    local_pool,
    run_processes,
    start_method,
    submit_in_order,
)

__all__ = ["Workers", "parse_dask", "run_units", "session", "submission_order", "DASK_FORMS", "DASK_HELP",
           "CONNECT_TIMEOUT", "InProcessWarning", "fork_hazard", "start_method"]

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
    cost: Sequence[float] | None = None,
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
    is asked for and not installed.

    ``cost`` (one number per unit, e.g. its seconds last time) only orders the submissions to a pool or
    cluster, largest first (:func:`submission_order`), so that a long unit does not start last while the
    other workers idle; the results and their order are the same."""
    workers = workers if workers is not None else Workers()
    units = [tuple(u) for u in units]
    done = _Done(len(units), progress, each)
    order = submission_order(cost, len(units))
    if workers.dask is not None:
        if shared is not None:
            raise ValueError("run_units: shared objects travel to local processes only, not to Dask")
        return _run_dask(fn, units, workers.dask, done, meanwhile, workers.client, order)
    if workers.jobs > 1 and len(units) > 1:
        pool = local_pool(min(workers.jobs, len(units)), shared, what=f"-j {workers.jobs}: {what}")
        if pool is not None:
            return run_processes(pool, fn, units, shared is not None, done, meanwhile, order)
    out = []
    for i, unit in enumerate(units):
        out.append(fn(*unit) if shared is None else fn(shared, *unit))
        done(i, out[-1])
    if meanwhile is not None:
        meanwhile()
    return out


def submission_order(cost: Sequence[float] | None, n: int) -> list[int]:
    """The order in which ``n`` units are handed to workers: unit order without ``cost``; with it, the
    costliest first (longest-processing-time first: with a few workers, the finish comes close to the
    total cost over the workers instead of waiting on a long unit started last), ties in unit order; a
    cost of None or NaN is unknown (a unit not measured before) and ranks first."""
    if cost is None:
        return list(range(n))
    if len(cost) != n:
        raise ValueError(f"run_units: {len(cost)} costs for {n} units")
    key = [float("inf") if c is None or c != c else float(c) for c in cost]  # None/NaN: unknown, so first
    return sorted(range(n), key=lambda i: -key[i])


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




def _one_thread_call(fn: Callable[..., Any], unit: tuple, surface: str = "api") -> Any:
    """``fn(*unit)`` with one BLAS/OpenMP/torch thread and the caller's surface (messages spelled for the
    command line or the API, :data:`~invariance.errors.SURFACE`): what a Dask worker runs for each unit."""
    from invariance.errors import SURFACE
    from invariance.threads import one_thread

    token = SURFACE.set(surface)
    try:
        with one_thread():
            return fn(*unit)
    finally:
        SURFACE.reset(token)


def _run_dask(fn, units, address, done: _Done, meanwhile, held=None, order: Sequence[int] | None = None) -> list:
    try:
        import distributed
    except ImportError as exc:
        raise MissingDependency("distributed", "dask", f"--dask {address}") from exc
    if not units:
        if meanwhile is not None:
            meanwhile()
        return []
    with (contextlib.nullcontext(held) if held is not None else _client(distributed, address)) as client:
        from invariance.errors import SURFACE

        surface = SURFACE.get()
        futures = submit_in_order(lambda u: client.submit(_one_thread_call, fn, u, surface, pure=False), units, order)
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
