"""The worker side of FIT decoding: runs in a pool of processes (fitparse is not thread-safe).

Workers are forked from a fork server that has already imported fitparse and polars, so
starting one costs milliseconds; each worker uses one polars thread because the pool
already uses every core.
"""

from __future__ import annotations

import os

os.environ.setdefault("POLARS_MAX_THREADS", "1")  # before polars is imported in a worker

import gzip  # noqa: E402
import multiprocessing  # noqa: E402
import zlib  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from flows.sources import ArchiveLimits, ArchiveRefused, Kind, read_input  # noqa: E402
from transforms.fit_decode import DecodedFit, FitDecodeError, decode_fit  # noqa: E402


@dataclass
class DecodeResult:
    """A decoded file, or the reason it is quarantined."""

    decoded: DecodedFit | None
    reason: str | None


def decode_file(path: str, kind: Kind, limits: ArchiveLimits) -> DecodeResult:
    """Read and decode one FIT file; never raises for a bad file."""
    try:
        data = read_input(path, kind, limits)
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile, ArchiveRefused) as exc:
        return DecodeResult(None, f"cannot read: {exc}")
    try:
        return DecodeResult(decode_fit(data), None)
    except FitDecodeError as exc:
        return DecodeResult(None, exc.reason)


def decoding_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers start from a fork server with the decoder imported."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["flows.fit_worker"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)
