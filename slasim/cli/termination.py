"""How the CLI ends when it is told to stop: SIGTERM, and a reader that closed the pipe.

- SIGTERM (``kill``, a CI timeout, ``docker stop``): :func:`sigterm_raises` makes it raise
  :class:`Terminated` in the main process, after terminating the worker processes of
  ``--workers`` (whose pool then shuts down at once, its queued replications cancelled). The CLI
  prints one line and exits :data:`EXIT_TERMINATED` (143 = 128 + SIGTERM, what a shell reports
  for a process killed by it). Without this, the default action killed the main process alone
  and left the workers waiting for work for ever.
- A closed pipe (``slasim crm-check export.csv | head -1``): the CLI sends the rest of its
  output to ``/dev/null`` (:func:`silence_stdout`, the recipe of the Python documentation on
  SIGPIPE) and exits :data:`EXIT_BROKEN_PIPE` (141 = 128 + SIGPIPE, what ``set -o pipefail``
  sees of any tool cut short this way): quietly, as ``cat`` or ``grep`` do, not as an
  internal error.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_TERMINATED",
    "Terminated",
    "sigterm_raises",
    "silence_stdout",
    "stop_workers",
]

EXIT_TERMINATED = 128 + signal.SIGTERM
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
#: Seconds a worker gets to end on SIGTERM before it is killed.
_GRACE = 2.0


class Terminated(BaseException):
    """SIGTERM arrived. A BaseException, like KeyboardInterrupt: no ``except Exception`` in
    the library swallows it."""


def stop_workers() -> None:
    """Terminate (then kill, if still alive after a grace period) every child process."""
    import multiprocessing

    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    for child in children:
        child.join(_GRACE)
        if child.is_alive():
            child.kill()
            child.join(_GRACE)


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block, SIGTERM stops the worker processes and raises :class:`Terminated`.

    Only the process that entered the block raises: a worker forked inside it inherits the
    handler and, on SIGTERM, ends as it would by default. The previous handler is restored on
    exit. Outside the main thread (where Python cannot install handlers) this does nothing.

    The handler raises wherever the main thread happens to be. If that is a place that
    reports and ignores exceptions -- an at-fork hook while the pool starts a worker, a
    ``__del__`` -- the job goes on with its workers stopped and then fails; the block turns that
    failure (or even a normal end) back into :class:`Terminated`, and the ignored exception is
    not reported -- nor is an exception of a pool thread torn down by the stop -- so SIGTERM
    always ends in the one message and exit code 143.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner = os.getpid()
    requested = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal requested
        if os.getpid() != owner:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        requested = True
        stop_workers()
        raise Terminated(f"terminated by signal {signal.Signals(signum).name}")

    def unraisable(args: sys.UnraisableHookArgs) -> None:
        if not (requested and args.exc_type is Terminated):
            previous_hook(args)

    def thread_failed(args: threading.ExceptHookArgs) -> None:
        # Once SIGTERM has stopped the workers, the pool's manager thread may fail while it
        # tears down (CPython 3.11's ``terminate_broken`` sets an exception on a future the
        # shutdown had cancelled: InvalidStateError). That is the stop we asked for, not news.
        if not requested:
            previous_thread_hook(args)

    previous = signal.signal(signal.SIGTERM, handler)
    previous_hook = sys.unraisablehook
    previous_thread_hook = threading.excepthook
    sys.unraisablehook = unraisable
    threading.excepthook = thread_failed
    try:
        yield
    except Terminated:
        raise
    except BaseException as exc:
        if requested:
            raise Terminated("terminated by signal SIGTERM") from exc
        raise
    else:
        if requested:
            raise Terminated("terminated by signal SIGTERM")
    finally:
        signal.signal(signal.SIGTERM, previous)
        sys.unraisablehook = previous_hook
        if not requested:
            # After SIGTERM the hook stays: a pool thread still ending must not print a
            # traceback after the one message (the process is about to exit anyway).
            threading.excepthook = previous_thread_hook


def silence_stdout() -> None:
    """Point file descriptor 1 at ``/dev/null``, so that flushing the rest of the output at exit
    cannot raise BrokenPipeError again. (A stdout without a descriptor is left alone.)"""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
