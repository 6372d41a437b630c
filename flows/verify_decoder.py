"""`musclebalance ingest --verify-decoder`: decode every FIT file to ingest with both
decoders and say where they differ. It loads nothing and opens no warehouse.

The fast decoder (transforms/fit_fast.py) is called directly, without its fallback to
fitparse, so a file it gives up on shows as a difference; fitparse is the reference. What
differs is named by table, column and row (transforms.fit_compare with `values=False`),
never by the file's values, so the output can be sent to the developers with the file.
Files are decoded one after another in this process (fitparse keeps global state: no
threads).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flows.plan import Retry, list_inputs, plan_inputs
from flows.settings import AthleteInputs, IngestRequest
from flows.sources import ArchiveLimits, read_input
from schemas.fit import DecodedFit
from transforms import fit_fast
from transforms.fit_compare import differences
from transforms.fit_decode import FitDecodeError, decode_fit_fitparse
from warehouse.manifest import Manifest

#: Differences named per file.
DIFFERENCES_SHOWN = 20


@dataclass(frozen=True)
class Verdict:
    """One FIT file decoded both ways: where the decoders differ (none: the same), or why
    it was not compared (`note`: it could not be read, or neither decoder reads it)."""

    path: str
    sha256: str | None
    differences: tuple[str, ...] = ()
    note: str | None = None


def _decode(decode, data: bytes) -> tuple[DecodedFit | None, str | None, bool]:
    """(decoded, why not, whether that is a file fault both decoders must agree on)."""
    try:
        return decode(data), None, False
    except FitDecodeError as exc:
        return None, exc.reason, True
    except Exception as exc:  # a decoder's own fault: named by type, its text may hold values
        return None, type(exc).__name__, False


def compare_decoders(data: bytes, limit: int = DIFFERENCES_SHOWN) -> tuple[list[str], str | None]:
    """Decode `data` with the fast decoder and with fitparse: (the differences, without
    values; a note when neither decoder reads the file, which is no difference)."""
    fast, fast_error, fast_fault = _decode(fit_fast.decode_fit_fast, data)
    reference, ref_error, ref_fault = _decode(decode_fit_fitparse, data)
    if fast is not None and reference is not None:
        return differences(fast, reference, limit, values=False), None
    if fast_fault and ref_fault:
        return [], f"neither decoder reads it: {ref_error}"
    found = []
    if fast is None:
        found.append(f"the fast decoder gave up ({fast_error})" if not fast_fault
                     else f"the fast decoder refuses the file ({fast_error})")
    if reference is None:
        found.append(f"fitparse could not decode it ({ref_error})")
    return found, None


def verify_decoders(athletes: list[AthleteInputs], limits: ArchiveLimits) -> list[Verdict]:
    """A verdict per FIT content under the athletes' paths (files, folders, archives; each
    content once), and one per path that could not be read."""
    from flows.ingest import FIT, HEALTH_KINDS  # its policy: the files ingest decodes

    verdicts: list[Verdict] = []
    scratch = Path(tempfile.mkdtemp(prefix="musclebalance-verify-"))
    try:
        for inputs in athletes:
            found, problems = list_inputs((Path(p) for p in inputs.paths), FIT, inputs.origin)
            plan = plan_inputs(found, Manifest(inputs.athlete_id), FIT, Retry(), scratch,
                               limits)
            for path, reason in [*problems, *plan.problems, *plan.quarantined]:
                verdicts.append(Verdict(path, None, note=f"not read: {reason}"))
            for item in plan.work:
                if item.kind in HEALTH_KINDS:
                    continue
                try:
                    data = read_input(item.read_path, item.kind, limits)
                except Exception as exc:
                    verdicts.append(Verdict(item.path, item.sha256,
                                            note=f"not read: {type(exc).__name__}: {exc}"))
                    continue
                found_differences, note = compare_decoders(data)
                verdicts.append(Verdict(item.path, item.sha256, tuple(found_differences),
                                        note))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return verdicts


def verify_command(request: IngestRequest) -> bool:
    """`ingest --verify-decoder`: verify the request's FIT files and print what was found;
    True when both decoders agree on every file compared."""
    from flows.console import print_verification

    verdicts = verify_decoders(request.athletes, request.limits)
    print_verification(verdicts)
    return not any(v.differences for v in verdicts)
