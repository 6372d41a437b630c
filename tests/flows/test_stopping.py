"""flows/stopping.py in this process and in small child processes: the first stop signal
interrupts the work and is named in the run's error, everything is as before afterwards; a
child that watches its parent ends when the parent is SIGKILLed; a parent-death signal."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from flows.stopping import (
    Interrupted,
    handling_signals,
    interrupted_error,
    interruptible,
    stop_signal,
)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_first_stop_signal_interrupts_the_work_and_names_itself(signum: int) -> None:
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    stderr = sys.stderr
    stops: list[int] = []
    with handling_signals(on_stop=stops.append):
        with pytest.raises(Interrupted) as raised, interruptible():
            os.kill(os.getpid(), signum)
            time.sleep(5)  # the handler raises in here
        assert raised.value.signum == signum
        assert stop_signal() == signum
        name = "SIGINT" if signum == signal.SIGINT else "SIGTERM"
        assert interrupted_error() == f"interrupted by {name}"
        deadline = time.monotonic() + 5
        while not stops and time.monotonic() < deadline:  # announced by the watcher thread
            time.sleep(0.01)
        assert stops == [signum]
        assert logging.getLogger("prefect").manager.disable == logging.CRITICAL  # silenced
    # afterwards: the handlers, stderr and logging as before, no stop remembered
    assert {sig: signal.getsignal(sig) for sig in before} == before
    assert sys.stderr is stderr
    assert logging.getLogger("prefect").manager.disable == logging.NOTSET
    assert stop_signal() is None and interrupted_error() is None


def test_outside_interruptible_a_stop_signal_only_sets_the_stop() -> None:
    stops: list[int] = []
    with handling_signals(on_stop=stops.append):
        os.kill(os.getpid(), signal.SIGTERM)
        deadline = time.monotonic() + 5
        while not stops and time.monotonic() < deadline:
            time.sleep(0.01)  # nothing raised here
        assert stops == [signal.SIGTERM]
        with pytest.raises(Interrupted), interruptible():  # no new work starts once stopped
            pass


#: A parent that starts a child which watches it (as Prefect's temporary server does, see
#: flows/prefect_server.py), prints the child's id and waits.
PARENT = textwrap.dedent("""
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", sys.argv[1]])
    print(child.pid, flush=True)
    time.sleep(120)
""")
CHILD = textwrap.dedent("""
    import os, time
    from flows.stopping import watch_parent
    watch_parent(os.getppid())
    time.sleep(120)
""")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads process states from /proc")
def test_a_child_watching_its_parent_ends_when_the_parent_is_sigkilled() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT, CHILD], stdout=subprocess.PIPE,
                              text=True)
    try:
        child = int(parent.stdout.readline())
        time.sleep(1.0)  # the child has started watching
        assert _alive(child)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 5
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child)  # SIGTERM to itself within WATCH_S (0.5 s) of the kill
    finally:
        parent.kill()
        parent.stdout.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_the_parent_death_signal_is_armed_on_linux() -> None:
    script = ("import ctypes, signal; from flows.stopping import set_parent_death_signal; "
              "assert set_parent_death_signal(signal.SIGKILL); v = ctypes.c_int(); "
              "ctypes.CDLL(None).prctl(2, ctypes.byref(v), 0, 0, 0); print(v.value)")
    # PR_GET_PDEATHSIG (2) reads back what was set
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert int(out) == signal.SIGKILL
