"""The command line's entry point, for the console script and `python -m mbcost`: it takes Ctrl-C in
hand before anything heavy is imported, so an interrupt at any moment, start-up included, ends with one
`mbcost: aborted` line on stderr and exit 130 (128 + SIGINT, as shells report it)."""

from __future__ import annotations

import signal
import sys

EXIT_INTERRUPTED = 130


class Interrupted(BaseException):
    """Ctrl-C, raised by the handler below. Not a KeyboardInterrupt, which click would turn into a blank
    line and its own abort; a BaseException, so no `except Exception` swallows it and every `finally`
    (a temporary file removed) runs."""


def _interrupt(signum: int, frame: object) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # one Ctrl-C is enough: the next cannot cut the goodbye short
    raise Interrupted


def main() -> None:
    """Run the command line (cli.main), which exits with the command's code."""
    # A SIGINT already ignored (a job started in the background by a shell) stays ignored.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)
    try:
        try:
            from .cli import main as run

            run()
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the command is over, whichever way it ended
    except Interrupted:
        try:
            sys.stderr.write("mbcost: aborted\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        sys.exit(EXIT_INTERRUPTED)
