"""Imported first in the fork server that starts decoding workers (never in the main
process): one polars thread per worker, since the pool already uses every core.

The fork server and its workers ignore SIGINT: a Ctrl-C in a terminal reaches the whole
process group, and the main process decides how the run stops (flows/stopping.py), then
stops them. When the main process is gone, even by SIGKILL, they end too (a parent-death
signal, Linux): the fork server gets SIGKILL when the main process ends (if the main thread
started it, see flows/fit_worker.py decoding_pool), each worker when the fork server ends.
Without that, workers and fork server would wait for each other for good (each worker holds
the pipe whose end tells the fork server its clients are gone).
"""

import os
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)  # before the slow imports below
os.environ["POLARS_MAX_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"  # numpy: no BLAS threads, none is used

from flows.stopping import PARENT_ENV, set_parent_death_signal  # noqa: E402

_FORK_SERVER = os.getpid()
if os.environ.pop(PARENT_ENV, "") == str(os.getppid()):  # started by the main thread
    set_parent_death_signal(signal.SIGKILL)


def _die_with_fork_server() -> None:
    """In each worker, just forked: SIGKILL when the fork server ends."""
    if set_parent_death_signal(signal.SIGKILL) and os.getppid() != _FORK_SERVER:
        os._exit(1)  # the fork server ended before the signal was armed


os.register_at_fork(after_in_child=_die_with_fork_server)

import flows.fit_worker  # noqa: E402,F401  (preloads fitparse, polars and the fast decoder)
