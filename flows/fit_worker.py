"""The worker side of FIT decoding: runs in a pool of processes (fitparse is not thread-safe).

Workers are forked from a fork server that has already imported fitparse and polars
(`flows.decoder_process`), so starting one costs milliseconds.
"""

from __future__ import annotations

import gzip
import hashlib
import multiprocessing
import os
import threading
import time
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from multiprocessing import forkserver

import transforms.fit_fast  # noqa: F401  (preloaded by the fork server with the rest)
from flows.sources import ArchiveLimits, Kind, read_input
from flows.stopping import PARENT_ENV
from schemas.fit import DEFAULT_DECODER, DecodedFit, Decoder
from transforms.fit_decode import FitDecodeError, decode_fit
from transforms.plausibility import DateWindow, instant_problem
from transforms.wellness.wellness_fit import is_wellness_fit, read_wellness_fit


@dataclass
class DecodeResult:
    """A decoded file, the reason it is quarantined, or a sign it changed since hashing."""

    decoded: DecodedFit | None
    reason: str | None
    changed: bool = False
    unreadable: bool = False  # an I/O error: not the file's fault, read it again next run
    #: decoded, but its times cannot be real: quarantined even when it loaded before
    undatable: bool = False


def decode_file(path: str, kind: Kind, limits: ArchiveLimits, expected_sha256: str,
                window: DateWindow | None = None, decoder: Decoder = DEFAULT_DECODER
                ) -> DecodeResult:
    """Read and decode one FIT file with `decoder` (transforms.fit_decode.decode_fit: the
    fast decoder hands a file it cannot read to fitparse); never raises for a bad file.

    With a `window`, a file whose times cannot be real (before 1990, after tomorrow in the
    athlete's zone, or only device-relative with no date) is quarantined with the reason.

    The bytes decoded are hashed again: a file rewritten since it was hashed (a sync tool
    at work) comes back `changed`, to be read again by the next run rather than stored
    under the wrong content hash.
    """
    try:
        data = read_input(path, kind, limits)
    except OSError as exc:
        if isinstance(exc, gzip.BadGzipFile):  # the file is broken
            return DecodeResult(None, f"cannot read: {type(exc).__name__}: {exc}")
        return DecodeResult(None, f"cannot read now: {type(exc).__name__}: {exc}",
                            unreadable=True)
    except Exception as exc:
        return DecodeResult(None, f"cannot read: {type(exc).__name__}: {exc}")
    if hashlib.sha256(data).hexdigest() != expected_sha256:
        return DecodeResult(None, None, changed=True)
    try:
        decoded = with_wellness(decode_fit(data, decoder), data)
        problem = None if window is None else instant_problem(decoded.tables, window)
    except FitDecodeError as exc:
        return DecodeResult(None, exc.reason)
    except Exception as exc:  # a decoder bug must cost one file, not the run
        return DecodeResult(None, f"could not be decoded: {type(exc).__name__}: {exc}")
    if problem:
        return DecodeResult(None, problem, undatable=True)
    return DecodeResult(decoded, None)


def with_wellness(decoded: DecodedFit, data: bytes) -> DecodedFit:
    """The decoded file with its wellness rows (resting HR, overnight HRV, sleep: raw
    wellness tables) and the wellness records that are no measurement, when it is a
    wellness file; read again with Garmin's FIT SDK, which knows those messages."""
    if not is_wellness_fit(decoded):
        return decoded
    wellness = read_wellness_fit(data)
    if wellness is None:
        return decoded
    return replace(decoded, tables={**decoded.tables, **wellness.tables},
                   not_measurements=[*decoded.not_measurements, *wellness.skipped])


#: How long `DecodingPool.first_done` waits between looks at its workers, in seconds.
WATCH_INTERVAL_S = 1.0
#: How long a dead worker may go unnoticed by the pool before the pool is broken by hand.
DEAD_WORKER_GRACE_S = 3.0


class DecodingPool(ProcessPoolExecutor):
    """A process pool that, left by an exception (an interrupt, a failed load), cancels the
    files not started and does not wait for those in progress: a stopped run stops at once
    (flows/stopping.py ends the workers).

    It also never waits forever on a dead worker. The standard pool notices a worker that
    dies and fails every pending future with BrokenProcessPool, except when the worker dies
    while it sends a result (killed, out of memory): the pool then reads half a message and
    waits for the rest, which never comes. `first_done` watches for that."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._dead_since: float | None = None

    def __exit__(self, exc_type, exc, traceback) -> bool:
        self.shutdown(wait=exc_type is None, cancel_futures=exc_type is not None)
        return False

    def first_done(self, pending: Iterable[Future]) -> set[Future]:
        """The futures of `pending` that are done, waiting until at least one is. A worker
        dead for DEAD_WORKER_GRACE_S while the pool still waits breaks the pool (see
        `_break`), so the pending futures end with BrokenProcessPool."""
        while True:
            finished, _ = wait(pending, timeout=WATCH_INTERVAL_S, return_when=FIRST_COMPLETED)
            if finished:
                self._dead_since = None
                return finished
            processes = list((self._processes or {}).values())
            if not any(p.exitcode is not None for p in processes):
                self._dead_since = None
            elif self._dead_since is None:
                self._dead_since = time.monotonic()
            elif time.monotonic() - self._dead_since >= DEAD_WORKER_GRACE_S:
                self._break(processes)

    def _break(self, processes: list) -> None:
        """End every worker, then close this process's copy of the result pipe's write end:
        with no writer left, the pool's half-read message ends in EOF and the pool breaks
        as it does for any dead worker (the files in flight are decoded again, one per
        process, by the caller)."""
        for process in processes:
            if process.exitcode is None:
                process.kill()
        for process in processes:
            process.join(timeout=5)
        queue = self._result_queue
        if queue is not None:
            queue._writer.close()
        self._dead_since = None


def decoding_pool(workers: int) -> DecodingPool:
    """A process pool whose workers start from a fork server with the decoder imported.

    Started from the main thread, the fork server is told this process's id, so that it
    ends with this process even when SIGKILL ends it (flows/decoder_process.py); started
    from another thread it is not (a parent-death signal follows the thread that started
    the process, and the thread may end first)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["flows.decoder_process"])
    if threading.current_thread() is threading.main_thread():
        os.environ[PARENT_ENV] = str(os.getpid())
        try:
            forkserver.ensure_running()
        finally:
            os.environ.pop(PARENT_ENV, None)
    return DecodingPool(max_workers=workers, mp_context=context)
