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
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import forkserver

from flows.sources import ArchiveLimits, Kind, read_input
from flows.stopping import PARENT_ENV
from schemas.fit import DecodedFit
from transforms.fit_decode import FitDecodeError, decode_fit
from transforms.plausibility import DateWindow, instant_problem


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
                window: DateWindow | None = None) -> DecodeResult:
    """Read and decode one FIT file; never raises for a bad file.

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
        decoded = decode_fit(data)
        problem = None if window is None else instant_problem(decoded.tables, window)
    except FitDecodeError as exc:
        return DecodeResult(None, exc.reason)
    except Exception as exc:  # a decoder bug must cost one file, not the run
        return DecodeResult(None, f"could not be decoded: {type(exc).__name__}: {exc}")
    if problem:
        return DecodeResult(None, problem, undatable=True)
    return DecodeResult(decoded, None)


class DecodingPool(ProcessPoolExecutor):
    """A process pool that, left by an exception (an interrupt, a failed load), cancels the
    files not started and does not wait for those in progress: a stopped run stops at once
    (flows/stopping.py ends the workers)."""

    def __exit__(self, exc_type, exc, traceback) -> bool:
        self.shutdown(wait=exc_type is None, cancel_futures=exc_type is not None)
        return False


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
