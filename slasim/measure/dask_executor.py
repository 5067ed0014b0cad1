"""Run slasim's replication tasks on a Dask cluster (``pip install 'slasim[dask]'``).

:class:`DaskExecutor` is a :class:`concurrent.futures.Executor` on a
:class:`distributed.Client`: ``map`` submits every task at once (``client.map``) and yields
the results in submission order, which is all slasim asks of an executor. Replication ``r``
draws from child ``r`` of the root seed whichever worker runs it, so a cluster returns the
same bytes as the local process pool.

``DaskExecutor.connect(address)`` joins a running cluster (``dask scheduler`` and
``dask worker tcp://host:8786`` on the machines, or a cluster made by dask-jobqueue or
dask-kubernetes: pass its ``scheduler_address``); ``connect(None, workers=n)`` starts a
``LocalCluster`` of ``n`` single-threaded worker processes for the command and stops it after.
Every worker needs the same slasim version installed: ``connect`` checks.

``distributed`` is imported only here, and only when a command asks for ``--executor dask``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import gc
import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from slasim.errors import InputError

__all__ = ["INSTALL_HINT", "DaskExecutor", "import_distributed"]

#: What to install for ``--executor dask``.
INSTALL_HINT = "pip install 'slasim[dask]'"
#: Seconds to wait for a scheduler before giving up on its address.
CONNECT_TIMEOUT = 20
#: Seconds to wait for the first worker of a scheduler that has none (an adaptive cluster
#: may start them on demand).
WORKER_WAIT = 600


def import_distributed() -> Any:
    """The ``distributed`` module, or an :class:`InputError` telling what to install."""
    try:
        import distributed
    except ImportError:
        raise InputError.single(
            "<cli>", "--executor",
            f"got 'dask', but Dask distributed is not installed; expected it installed: "
            f"{INSTALL_HINT} (or --executor local)",
        ) from None
    return distributed


def _slasim_version() -> str:
    from slasim import __version__

    return __version__


class DaskExecutor(cf.Executor):
    """An executor on a ``distributed.Client``: ordered ``map``, ``submit``, ``shutdown``.

    Parameters
    ----------
    client
        A connected ``distributed.Client``.
    own
        Close the client (and ``cluster``) on :meth:`shutdown`; False for a client the caller
        keeps using.
    cluster
        The cluster this executor started (closed with the client when ``own``).
    """

    def __init__(self, client: Any, *, own: bool = False, cluster: Any = None) -> None:
        self.client = client
        self._own = own
        self._cluster = cluster
        self._log_levels: dict[str, int] = {}
        if own:
            # While the command runs, Dask's own log lines (a lost connection's traceback,
            # workers restarting on Ctrl-C) would bury slasim's one-line message. Dask's
            # config gives some of its loggers levels of their own: each is quietened.
            names = [n for n in logging.root.manager.loggerDict
                     if n == "distributed" or n.startswith("distributed.")]
            for name in dict.fromkeys(["distributed", *names]):
                log = logging.getLogger(name)
                self._log_levels[name] = log.level
                log.setLevel(logging.CRITICAL)

    @classmethod
    def connect(cls, scheduler: str | None, workers: int = 1) -> DaskExecutor:
        """Join the cluster at ``scheduler`` (``tcp://host:8786``), or start a local one.

        Parameters
        ----------
        scheduler
            The scheduler's address; None starts a ``LocalCluster`` of ``workers`` processes.
        workers
            Worker processes of the local cluster (ignored with ``scheduler``).

        Raises
        ------
        InputError
            ``distributed`` is missing, the scheduler cannot be reached, or a worker runs
            another slasim version (or none).
        """
        distributed = import_distributed()
        cluster = None
        try:
            if scheduler is None:
                with _collector_paused():
                    cluster = _quiet_local_cluster(distributed, workers)
                    client = distributed.Client(cluster)
            else:
                _reachable(scheduler)
                client = _client_within(distributed, scheduler)
        except (OSError, TimeoutError, ValueError) as exc:
            if cluster is not None:
                cluster.close()
            raise _refused(scheduler, f"cannot connect ({type(exc).__name__}: {exc})") from None
        except MemoryError:
            # Something else answered (an HTTP server, a proxy): its first bytes read as the
            # length of a Dask message ask for exabytes.
            raise _refused(scheduler, "the server there answered, but not as a Dask "
                                      "scheduler") from None
        executor = cls(client, own=True, cluster=cluster)
        try:
            if scheduler is not None:
                executor.wait_for_workers(scheduler)
            executor.check_workers()
        except BaseException:
            executor.shutdown()
            raise
        return executor

    def wait_for_workers(self, scheduler: str, timeout: float | None = None) -> None:
        """Wait (saying so on stderr) until the scheduler has a worker, at most
        :data:`WORKER_WAIT` seconds.

        Raises
        ------
        InputError
            No worker joined in time.
        """
        if self.client.scheduler_info()["workers"]:
            return
        wait = WORKER_WAIT if timeout is None else timeout
        print(f"slasim: the Dask scheduler {scheduler} has no workers yet; waiting up to "
              f"{wait:g} s for one (start one with: dask worker {scheduler})", file=sys.stderr)
        try:
            self.client.wait_for_workers(1, timeout=wait)
        except TimeoutError:
            raise _refused(scheduler, f"no worker joined the scheduler in {wait:g} s",
                           f"workers on it (dask worker {scheduler} on each machine)") from None

    @property
    def workers(self) -> int:
        """Threads over all workers of the cluster now (at least 1): what tasks are sized for."""
        info = self.client.scheduler_info()["workers"]
        return max(1, sum(int(w.get("nthreads", 1)) for w in info.values()))

    def check_workers(self) -> None:
        """Refuse workers that cannot import this slasim version (they would fail or differ).

        Raises
        ------
        InputError
            Naming the workers and their versions.
        """
        ours = _slasim_version()
        try:
            versions = self.client.run(_slasim_version)
        except Exception as exc:  # a worker without slasim cannot even load the function
            raise InputError.single(
                "<cli>", "--scheduler",
                f"the Dask workers cannot run slasim ({type(exc).__name__}: {exc}); expected "
                f"slasim {ours} installed on every worker",
            ) from None
        other = {w: v for w, v in versions.items() if v != ours}
        if other:
            listed = ", ".join(f"{w} has {v}" for w, v in sorted(other.items()))
            raise InputError.single(
                "<cli>", "--scheduler",
                f"{listed}; expected slasim {ours} (this one) on every worker: the same "
                "version gives the same results",
            )

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        """Run ``fn(*args, **kwargs)`` on the cluster; a ``concurrent.futures.Future``."""
        future: cf.Future[Any] = self.client.get_executor(pure=False).submit(fn, *args, **kwargs)
        return future

    def map(
        self, fn: Callable[..., Any], *iterables: Iterable[Any], timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[Any]:
        """``fn`` over ``iterables`` on the cluster, results in submission order.

        Every task is submitted before the first result is awaited; ``chunksize`` is ignored
        (slasim's tasks are already batches of replications). Tasks not yet collected are
        cancelled when the caller stops early (an error, Ctrl-C).
        """
        futures = self.client.map(fn, *iterables, pure=False)

        def results() -> Iterator[Any]:
            try:
                for future in futures:
                    try:
                        yield future.result(timeout=timeout)
                    except (Exception, asyncio.CancelledError) as exc:
                        if self.client.status == "running":
                            raise  # the task's own error
                        # The scheduler went away: Dask cancels every future ("scheduler-
                        # connection-lost"). Nothing is written; say what happened, plainly.
                        raise InputError.single(
                            "<cli>", "--scheduler",
                            f"the Dask scheduler {self._address()} was lost during the run "
                            f"({type(exc).__name__}); expected it running until the command "
                            "ends (no result was written)",
                        ) from None
            finally:
                if self.client.status == "running":
                    self.client.cancel([f for f in futures if not f.done()])

        return results()

    def _address(self) -> str:
        try:
            return str(self.client.scheduler.address)
        except AttributeError:  # pragma: no cover - a client without a scheduler comm
            return "(unknown address)"

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Close the client and the local cluster, when this executor made them."""
        if self._own:
            self.client.close()
            if self._cluster is not None:
                self._cluster.close()
            for name, level in self._log_levels.items():
                logging.getLogger(name).setLevel(level)
            self._log_levels = {}


def _refused(
    scheduler: str | None, why: str,
    expected: str = "the address of a running Dask scheduler, e.g. tcp://host:8786",
) -> InputError:
    message = f"got {scheduler!r}: {why}; expected {expected}"
    return InputError.single("<cli>", "--scheduler", message)


def _reachable(scheduler: str) -> None:
    """Fail fast on an address nothing listens at (Dask retries for the whole timeout)."""
    scheme, _, rest = scheduler.partition("://")
    host, _, port = rest.rpartition(":")
    if scheme != "tcp" or not host or not port.isdigit() or not 0 < int(port) < 65536:
        return  # Dask's own parser names what is wrong with it
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise OSError(f"nothing answers at {host}:{port}: {exc}") from None


def _client_within(distributed: Any, scheduler: str) -> Any:
    """``distributed.Client(scheduler)``, or TimeoutError when it does not connect in time.

    A server that accepts the connection and never speaks holds the client's handshake for
    ever, whatever its timeout; the client is made on a daemon thread that is left behind.
    """
    made: dict[str, Any] = {}

    def connect() -> None:
        try:
            made["client"] = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
        except BaseException as exc:  # handed to the caller's thread
            made["error"] = exc

    thread = threading.Thread(target=connect, name="slasim-dask-connect", daemon=True)
    with _collector_paused():
        thread.start()
        thread.join(CONNECT_TIMEOUT + 5)
    if "error" in made:
        raise made["error"]
    if "client" not in made:
        raise TimeoutError(f"no answer of a Dask scheduler in {CONNECT_TIMEOUT + 5} s")
    return made["client"]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Collect garbage, then pause the collector while a Dask client or cluster starts.

    Dask's ``LoopRunner.start`` holds a process-wide lock while it starts an event loop; a
    collection that runs inside it can call an abandoned ``Client``'s ``__del__``, which
    closes that client and waits for the same lock: the process hangs for ever (it happened
    once in the test suite, in ``Client.__init__`` on the connecting thread).
    """
    gc.collect()
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _quiet_local_cluster(distributed: Any, workers: int) -> Any:
    """A ``LocalCluster`` of ``workers`` single-threaded processes that ignore Ctrl-C.

    Ctrl-C reaches every process of the terminal's group: the workers each printed a
    KeyboardInterrupt traceback while this process stopped them anyway. They are started
    with SIGINT ignored (inherited by the processes they spawn); this process then stops
    them when the command ends, interrupted or not.
    """
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        return distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True,
            dashboard_address=":0",  # any free port: never "8787 is in use"
            silence_logs=logging.CRITICAL,  # the workers' log lines
        )
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
