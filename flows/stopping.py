"""Stopping on SIGTERM and SIGINT: within seconds, in one line, leaving no process behind.

The first SIGTERM or SIGINT:
- silences logging and stderr (Prefect's client retrying a server that stopped with it
  would otherwise print hundreds of lines), keeping one line for the end;
- inside `interruptible()`, raises `Interrupted` in the main thread, so DuckDB transactions
  roll back and `flows.runtime.pipeline_run` records the run `failed` with
  "interrupted by SIGTERM" (during a flow run Prefect's own SIGTERM handler raises its
  `TerminationSignal` instead, to the same effect);
- under `exit_on_signals()`, ends the process once the work has unwound: the temporary
  Prefect server and the decoding processes are stopped, one line goes to stderr, and the
  exit code is 130 (SIGINT) or 143 (SIGTERM). If unwinding takes longer than GRACE_S (a
  Prefect client waiting for a server that is gone), the process records its run, stops its
  children and exits all the same; a second SIGINT does that at once.

Signals that Prefect's handler takes are seen too: a thread reads the signal wakeup fd,
which Python writes for every handled signal whatever its Python-level handler.

A SIGKILLed process cannot clean up, so its children watch it instead: decoding processes
get a parent-death signal (`set_parent_death_signal`, Linux) and the Prefect server a
thread that stops it when its parent is gone (`watch_parent`, flows/prefect_server.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

#: Exit codes after a stop signal: 128 + the signal's number, as a shell reports it.
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
#: Seconds after a stop signal for the run to roll back, record itself and unwind before
#: the process stops it regardless.
GRACE_S = 4.0
#: Seconds a child process gets after SIGTERM before SIGKILL; also the longest wait for a
#: run record written when the grace has passed.
CHILD_GRACE_S = 1.5
#: Seconds between two looks of a child at its parent (`watch_parent`).
WATCH_S = 0.5
#: Environment variable giving a child the process id it must not outlive.
PARENT_ENV = "MUSCLEBALANCE_PARENT_PID"
#: prctl option of Linux <sys/prctl.h>.
PR_SET_PDEATHSIG = 1


class Interrupted(KeyboardInterrupt):
    """The work was stopped by a signal (SIGINT or SIGTERM)."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"interrupted by {signal_name(signum)}")
        self.signum = signum


def signal_name(signum: int) -> str:
    """'SIGTERM' for 15."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


@dataclass
class _State:
    signum: int | None = None  # the first stop signal
    at: float = 0.0  # its time.monotonic()
    handled: int = 0  # calls of this module's handler
    announced: bool = False
    depth: int = 0  # nesting of handling_signals
    raising: int = 0  # nesting of interruptible
    callbacks: list[Callable[[int], None]] = field(default_factory=list)
    stderr_fd: int = 2  # a copy of stderr for the last line, made before silencing
    silenced: tuple | None = None  # what _silence replaced
    ending: threading.Lock = field(default_factory=threading.Lock)
    exit_code: Callable[[int], int] | None = None  # set by exit_on_signals
    wakeup_fd: int | None = None  # the read end of the signal wakeup pipe
    reading: threading.Lock = field(default_factory=threading.Lock)  # of wakeup_fd


_state = _State()


def _reset() -> None:
    global _state
    _state = _State()


def stop_signal() -> int | None:
    """The stop signal received while handling signals, or None."""
    return _state.signum


def interrupted_error() -> str | None:
    """'interrupted by SIGTERM' once a stop signal was received, else None: the error a run
    stopped by it is recorded with."""
    signum = _state.signum
    return None if signum is None else f"interrupted by {signal_name(signum)}"


@contextmanager
def handling_signals(on_stop: Callable[[int], None] | None = None) -> Iterator[None]:
    """While inside: SIGTERM and SIGINT stop the work as the module describes;
    `on_stop(signum)` is called once, from a thread, at the first one. Nested uses share
    the outermost's handlers. Outside the main thread nothing is installed."""
    if on_stop is not None:
        _state.callbacks.append(on_stop)
    nested = _state.depth > 0
    if nested or threading.current_thread() is not threading.main_thread():
        _state.depth += nested
        try:
            yield
        finally:
            _state.depth -= nested
            if on_stop is not None and on_stop in _state.callbacks:
                _state.callbacks.remove(on_stop)
        return
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    os.set_blocking(read_fd, False)
    _state.stderr_fd = os.dup(2)
    _state.wakeup_fd = read_fd
    watcher = threading.Thread(target=_watch_wakeups, args=(read_fd,), daemon=True,
                               name="musclebalance-signals")
    watcher.start()
    previous_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    previous = {sig: signal.signal(sig, _handler) for sig in STOP_SIGNALS}
    logging.Filterer.filter = _filter_unless_stopped
    _state.depth = 1
    try:
        yield
    finally:
        logging.Filterer.filter = _FILTER
        for sig, old in previous.items():
            signal.signal(sig, old)
        signal.set_wakeup_fd(previous_fd)
        with contextlib.suppress(OSError):
            os.write(write_fd, b"\0")  # ends the watcher
        watcher.join(timeout=5)
        for fd in (read_fd, write_fd, _state.stderr_fd):
            os.close(fd)
        _unsilence()
        _reset()


@contextmanager
def interruptible() -> Iterator[None]:
    """While inside (and handling signals), the first stop signal raises `Interrupted` in
    the main thread; outside, it only sets the stop (serve waiting for its next night)."""
    _state.raising += 1
    try:
        if _state.signum is not None:  # stopped already: start nothing new
            raise Interrupted(_state.signum)
        yield
    finally:
        _state.raising -= 1


@contextmanager
def exit_on_signals(exit_code: Callable[[int], int] = EXIT_CODES.__getitem__,
                    interrupt: bool = True) -> Iterator[None]:
    """A command that ends its process on a stop signal: once the work inside has unwound
    (or GRACE_S after the signal), its child processes are stopped, one line is written to
    stderr and the process exits with `exit_code(signum)`. `interrupt`: the work inside is
    interrupted at once (else it sees the stop in its own time, as serve does)."""
    with handling_signals(on_stop=_arm_deadline):
        _state.exit_code = exit_code
        with interruptible() if interrupt else contextlib.nullcontext():
            try:
                yield
            except BaseException:
                if _state.signum is not None:
                    _end()
                raise
        if _state.signum is not None:
            _end()


def _handler(signum: int, frame: object) -> None:
    """SIGTERM/SIGINT: the first one interrupts the work (inside `interruptible`); a later
    SIGINT ends the process at once (under `exit_on_signals`); a later SIGTERM (Prefect
    sends one to the process again after its own handler) changes nothing."""
    _state.handled += 1
    if _state.signum is None:
        _state.signum, _state.at = signum, time.monotonic()
    if _state.handled > 1:
        if signum == signal.SIGINT and _state.exit_code is not None:
            _end()
        return
    if _state.raising:
        raise Interrupted(signum)


def _watch_wakeups(read_fd: int) -> None:
    """Read the signal numbers Python writes to the wakeup fd; announce the first stop."""
    while True:
        try:
            select.select([read_fd], [], [])
        except (OSError, ValueError):
            return
        if not _read_wakeups(read_fd):
            return


def _read_wakeups(read_fd: int) -> bool:
    """Take what the wakeup fd holds now (without waiting) and announce a stop signal in
    it; False once the fd is closed or `handling_signals` asked the watcher to end."""
    with _state.reading:
        try:
            data = os.read(read_fd, 64)
        except BlockingIOError:
            return True  # nothing there now (the other reader took it)
        except OSError:
            return False
    for signum in data:
        if signum == 0:
            return False
        if signum in STOP_SIGNALS:
            _announce(signum)
    return bool(data)  # b"": the write end is closed


#: logging's own Filterer.filter, put back when handling_signals ends.
_FILTER = logging.Filterer.filter


def _filter_unless_stopped(self: logging.Filterer, record: logging.LogRecord):
    """Every logger's and handler's filter while handling signals: no record passes once a
    stop signal arrived. The wakeup fd is read here too, in the thread that logs, because
    the C-level handler writes to it at once while the watcher thread may not have run yet
    (Prefect logs "Crash detected" in the main thread right after its own SIGTERM handler)."""
    if not _state.announced and _state.wakeup_fd is not None:
        _read_wakeups(_state.wakeup_fd)
    if _state.announced:
        return False
    return _FILTER(self, record)


def _announce(signum: int) -> None:
    """The first stop signal: silence, then tell the callbacks (once)."""
    if _state.announced:
        return
    _state.announced = True
    if _state.signum is None:
        _state.signum, _state.at = signum, time.monotonic()
    _silence()
    for callback in list(_state.callbacks):
        callback(_state.signum)


def _silence() -> None:
    """No more log records or stray tracebacks on stderr (the last line is written to a
    copy of the stderr fd made before)."""
    _state.silenced = (sys.stderr, threading.excepthook, sys.unraisablehook)
    logging.disable(logging.CRITICAL)
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115  (closed by _unsilence)
    threading.excepthook = lambda args: None
    sys.unraisablehook = lambda args: None


def _unsilence() -> None:
    if _state.silenced is None:
        return
    quiet = sys.stderr
    sys.stderr, threading.excepthook, sys.unraisablehook = _state.silenced
    quiet.close()
    logging.disable(logging.NOTSET)


def _arm_deadline(signum: int) -> None:
    """GRACE_S after the signal, end the process even if the work has not unwound."""
    def wait_then_end() -> None:
        time.sleep(max(0.0, _state.at + GRACE_S - time.monotonic()))
        _end()

    threading.Thread(target=wait_then_end, daemon=True, name="musclebalance-deadline").start()


def _end() -> None:
    """Record the run if it was not (the work has not unwound: the grace passed, or a
    second SIGINT), stop the children, write the one line, exit."""
    if not _state.ending.acquire(blocking=False):  # another thread is ending the process
        if threading.current_thread() is threading.main_thread():
            time.sleep(GRACE_S + 3 * CHILD_GRACE_S)
        return
    signum = _state.signum or signal.SIGTERM
    line = _run_outcome(signum)
    stop_children()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(OSError):
        os.write(_state.stderr_fd, f"musclebalance: stopped by {signal_name(signum)}; "
                                   f"{line}\n".encode())
    assert _state.exit_code is not None
    os._exit(_state.exit_code(signum))


def _run_outcome(signum: int) -> str:
    """What became of this process's last run, in words; recorded now if it was not."""
    runtime = sys.modules.get("flows.runtime")
    runs = list(getattr(runtime, "RUNS", ()))
    if not runs:
        return "no run had started"
    run = runs[-1]
    if not run.finished:  # killed before it could record itself, or the work has not unwound
        writer = threading.Thread(target=run.save, args=(interrupted_error(),), daemon=True)
        writer.start()
        writer.join(timeout=CHILD_GRACE_S)
    if not run.finished:
        return (f"the {run.command} run {run.run_id} could not be recorded; the next run "
                "marks it crashed and completes its work")
    if run.error and run.error.startswith("interrupted by"):
        return (f"the {run.command} run {run.run_id} is recorded failed ({run.error}); what "
                "it committed is kept and the next run completes the work")
    return f"the {run.command} run {run.run_id} had ended ({'failed' if run.error else 'done'})"


def stop_children(grace: float = CHILD_GRACE_S) -> None:
    """SIGTERM to every process descended from this one (the temporary Prefect server, the
    fork server and decoding processes), SIGKILL to those left after `grace` seconds; then
    the named semaphores of multiprocessing's queues are removed, as a normal exit does.
    multiprocessing's resource tracker is left to end by itself when this process has
    ended: it would remove those semaphores, with a warning, had they been left."""
    tracker = sys.modules.get("multiprocessing.resource_tracker")
    keep = getattr(getattr(tracker, "_resource_tracker", None), "_pid", None)
    pids = [pid for pid in _descendants(os.getpid()) if pid != keep]
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while pids and time.monotonic() < deadline:
        pids = [pid for pid in pids if _alive(pid)]
        time.sleep(0.05)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    util = sys.modules.get("multiprocessing.util")
    finalizers = getattr(util, "_run_finalizers", None)  # what a normal exit runs
    if finalizers is not None:
        with contextlib.suppress(Exception):
            finalizers(0)


def _descendants(root: int) -> list[int]:
    """Process ids below `root`: from /proc on Linux, else the children this process
    knows of (Prefect's temporary server, multiprocessing's processes)."""
    parents: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return _known_children()
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        parents[int(entry)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return found


def _known_children() -> list[int]:
    import multiprocessing

    pids = [p.pid for p in multiprocessing.active_children() if p.pid]
    server_module = sys.modules.get("prefect.server.api.server")
    if server_module is not None:
        for server in list(server_module.SubprocessASGIServer._instances.values()):
            if server.server_process is not None:
                pids.append(server.server_process.pid)
    return pids


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, dead but not yet reaped, is not alive)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
        return stat[stat.rfind(b")") + 2:][:1] != b"Z"
    except OSError:
        pass
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:  # not our child: ask the kernel
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True


def set_parent_death_signal(signum: int) -> bool:
    """Ask Linux to send this process `signum` when the thread that started it ends
    (prctl PR_SET_PDEATHSIG); False where that does not exist (other systems)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def watch_parent(parent: int, signum: int = signal.SIGTERM, grace: float = GRACE_S) -> None:
    """Stop this process when `parent` is no longer its parent (it ended, even by SIGKILL):
    `signum` to itself, then exit after `grace` seconds if that did not end it. A daemon
    thread that looks every WATCH_S seconds; works on every POSIX system."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_S)
        os.kill(os.getpid(), signum)
        time.sleep(grace)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="musclebalance-parent-watch").start()
