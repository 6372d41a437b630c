"""Small helpers every flow uses: the current instant and the run's id."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


def run_id() -> str:
    """The Prefect flow-run id, or a fresh id outside a flow run."""
    from prefect.runtime import flow_run

    return str(flow_run.id or uuid.uuid4())
