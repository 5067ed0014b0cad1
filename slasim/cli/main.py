"""The ``slasim`` command.

Exit codes (a contract other tools rely on): 0 success; 2 invalid input (scenario, CLI
arguments, CRM file) with a message naming file, field, bad value and what was expected; 1 for
internal errors only. A user mistake never shows a traceback. Stopped from outside: 130 on
Ctrl-C, 143 on SIGTERM (worker processes stopped too), 141 quietly when the reader of stdout
closed the pipe (``slasim ... | head``); see :mod:`slasim.cli.termination`.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from contextlib import suppress

from slasim.cli.args import cap_workers
from slasim.cli.termination import (
    EXIT_BROKEN_PIPE,
    EXIT_TERMINATED,
    Terminated,
    sigterm_raises,
    silence_stdout,
    stop_workers,
)
from slasim.errors import InputError

__all__ = ["main", "run"]

EXIT_INTERNAL, EXIT_INPUT = 1, 2
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130, as a shell reports a Ctrl-C

#: Modules that add subcommands with ``register(sub)``; they import heavy libraries lazily so
#: that ``slasim --help`` stays fast.
_COMMAND_MODULES: tuple[str, ...] = (
    "slasim.cli.run",
    "slasim.cli.plan",
    "slasim.cli.schema",
    "slasim.cli.crm",
    "slasim.cli.optimize",
    "slasim.cli.report",
    "slasim.scenario.starters",
    "slasim.cli.sweep",
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad arguments as exit code 2 without a traceback (its default)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"error: <cli>: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="slasim", description="Design a sales-marketing SLA on evidence.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    for module in _COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def _version() -> str:
    from slasim import __version__

    return __version__


#: Errors of a full or failing device: the output could not be written, whatever slasim did.
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    parser = build_parser()
    try:
        with sigterm_raises():
            args = parser.parse_args(argv)
            cap_workers(args)
            func: Callable[[argparse.Namespace], int] = args.func
            code = func(args)
            sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
            return code
    except BrokenPipeError:
        silence_stdout()
        return EXIT_BROKEN_PIPE
    except SystemExit as exc:  # argparse --help / --version / errors
        return int(exc.code or 0)
    except InputError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        # Two Ctrl-C a few hundredths of a second apart could leave a worker locked in the
        # pool's queue (CPython), and the exit then waited for it for ever: stop them here,
        # with further Ctrl-C ignored (one arriving now ended in a traceback). They stay
        # ignored: the run is over, and one arriving after "interrupted", on the way out,
        # killed the process by signal instead of exit code 130 (seen in CI).
        _ignore_sigint()
        stop_workers()
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        # Again: a worker the pool was forking while the signal was handled escaped the first
        # stop, and the exit waited for it for ever (the message printed, then a hang).
        stop_workers()
        print("terminated (SIGTERM); worker processes stopped", file=sys.stderr)
        return EXIT_TERMINATED
    except OSError as exc:
        if exc.errno not in _FULL:
            return _internal(exc)
        # Standard output on a full disk (`slasim run ... > /dev/full`): not a bug in slasim.
        # Files slasim writes report this themselves, naming the file.
        silence_stdout()
        print(f"error: <stdout>: cannot write the output ({exc.strerror}); expected a device "
              "with room for it", file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:  # an internal error: say so plainly, details on request
        return _internal(exc)


def run() -> None:
    """The ``slasim`` command: :func:`main`, then exit with its code.

    After an interruption the process ends at once (``os._exit``), its output flushed and its
    workers already stopped: Python's own exit restores the default SIGINT handler before it
    finishes, and one more Ctrl-C then killed the process by signal instead of exit code 130.
    """
    code = main()
    if code == EXIT_INTERRUPTED:
        for stream in (sys.stdout, sys.stderr):
            with suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    sys.exit(code)


def _ignore_sigint() -> None:
    """Ignore SIGINT from now on (main thread only: elsewhere Python cannot set handlers)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _internal(exc: BaseException) -> int:
    if os.environ.get("SLASIM_DEBUG"):
        traceback.print_exception(exc)
    print(
        f"internal error: {type(exc).__name__}: {exc} "
        "(this is a bug in slasim; set SLASIM_DEBUG=1 for the traceback)",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
