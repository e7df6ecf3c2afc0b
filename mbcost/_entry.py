"""The command line's entry point, for the console script and `python -m mbcost`: it takes Ctrl-C in
hand before anything heavy is imported, so an interrupt at any moment, start-up included, ends with one
`mbcost: aborted` line on stderr and exit 130 (128 + SIGINT, as shells report it)."""

from __future__ import annotations

import os
import signal
import sys

EXIT_INTERRUPTED = 130  # as cli.EXIT_INTERRUPTED, which cannot import it: importing this module takes Ctrl-C


class Interrupted(BaseException):
    """Ctrl-C, raised by the handler below. Not a KeyboardInterrupt, which click would turn into a blank
    line and its own abort; a BaseException, so no `except Exception` swallows it and every `finally`
    (a temporary file removed) runs."""


_running = [False]  # inside main's `try`, where Interrupted is caught after every `finally` has run


def _interrupt(signum: int, frame: object) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # one Ctrl-C is enough: the next cannot cut the goodbye short
    if _running[0]:
        raise Interrupted
    # Before the command runs (importing, calling main) there is nothing to clean up, and no `try` to
    # catch an exception: say it and go.
    os.write(2, b"mbcost: aborted\n")
    os._exit(EXIT_INTERRUPTED)


# Importing this module is starting the command line: Ctrl-C is taken here, before `main` is even called.
# A SIGINT already ignored (a job started in the background by a shell) stays ignored.
if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    try:
        signal.signal(signal.SIGINT, _interrupt)
    except ValueError:  # imported outside the main thread: not the command line
        pass


def main() -> None:
    """Run the command line (cli.main), which exits with the command's code."""
    try:
        try:
            _running[0] = True
            from .cli import main as run

            run()
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the command is over, whichever way it ended
            _running[0] = False
    except Interrupted:
        try:
            sys.stderr.write("mbcost: aborted\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        sys.exit(EXIT_INTERRUPTED)
