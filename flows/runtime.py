"""Small helpers every flow uses: the current instant and the run's id."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flows.sources import remove_stale_scratch
from warehouse.lock import run_lock


@dataclass
class RunSummary:
    """What an ingest did for one athlete: counts and file names, never health values."""

    athlete_id: str
    loaded: int = 0
    skipped: int = 0
    known_quarantined: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    problems: list[tuple[str, str]] = field(default_factory=list)  # unreadable (path, reason)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every input was read and none was quarantined in this run."""
        return not self.quarantined and not self.problems


def utc_now() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


def run_id() -> str:
    """The Prefect flow-run id, or a fresh id outside a flow run."""
    from prefect.runtime import flow_run

    return str(flow_run.id or uuid.uuid4())


@contextmanager
def ingest_lock(warehouse: Path) -> Iterator[None]:
    """Hold the warehouse's run lock for an ingest and first clear the scratch folders a
    killed run may have left (extracted health data must not linger)."""
    with run_lock(warehouse):
        remove_stale_scratch(warehouse)
        yield
