"""Named crash points for the crash-safety tests: `MUSCLEBALANCE_FAILPOINT=<name>` makes the
process kill itself with SIGKILL when it reaches that point, exactly as `kill -9` would
(`<name>:SIGTERM` sends SIGTERM instead, as a service manager stopping it would).

Unset (always, outside those tests) a failpoint costs one environment lookup.
"""

from __future__ import annotations

import os
import signal

ENV = "MUSCLEBALANCE_FAILPOINT"
#: The points the code marks, in the order a run meets them.
POINTS = ("ingest_batch_committed", "marts_staged", "marts_validated", "marts_published",
          "files_written", "files_published")


def failpoint(name: str) -> None:
    """Die here, by SIGKILL (or SIGTERM), when the environment names this point."""
    if name not in POINTS:
        raise ValueError(f"unknown failpoint {name!r}")
    point, _, how = os.environ.get(ENV, "").partition(":")
    if point == name:
        os.kill(os.getpid(), signal.SIGTERM if how == "SIGTERM" else signal.SIGKILL)
