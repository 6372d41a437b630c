"""Files leave the warehouse: those gone from the configured folders, and `forget`.

Which recorded paths a run removes (`vanished`), with every row their contents gave:

- a path found under a configured path (`fit_paths`, a nutrition `path`) by an earlier
  run that no longer exists on disk;
- a path found that way that lies under no configured path of its athlete any more (the
  folder left the config).

A configured path that does not exist now (an unmounted drive) removes nothing: its files
are not known to be gone.
A path given on the command line to `ingest` (origin `command_line`) stays until
`musclebalance forget` names it: the user chose it outside the config. A path recorded
before origins were kept (origin null) is removed only when it vanished from under a
configured path. A content another remaining path still holds stays (a file moved or
renamed within the folders is recognised by its hash). Athletes no longer in the config
keep their rows (their marts are not built).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from prefect import flow

from flows.build import BuildSummary, build_flow
from flows.runtime import io_task, pipeline_run
from schemas.config import Config
from warehouse.connection import connect, transaction
from warehouse.ddl import create_all
from warehouse.forget import (
    ORIGIN_COMMAND_LINE,
    ORIGIN_CONFIG,
    Removed,
    forget_contents,
    forget_paths,
    matching_contents,
    recorded_paths,
)


def configured_roots(config: Config) -> dict[str, tuple[str, ...]]:
    """Per athlete: every configured input path (FIT, nutrition, strength log), resolved."""
    return {a.id: tuple(str(Path(p).expanduser().resolve())
                        for p in (*a.fit_paths, *a.health_paths, *(n.path for n in a.nutrition),
                                  *a.strength_log))
            for a in config.athletes}


def _root(path: str, roots: tuple[str, ...]) -> str | None:
    """The configured path `path` lies under (or is), else None."""
    return next((r for r in roots
                 if path == r or path.startswith(r.rstrip(os.sep) + os.sep)), None)


def vanished(recorded: list[tuple[str, str, str, str | None]],
             roots: dict[str, tuple[str, ...]]) -> dict[str, list[tuple[str, str]]]:
    """Per athlete: (path, why) of the recorded paths to remove (see the module's rules).
    Members of an archive (`archive!member`) go with their archive, not on their own."""
    archives = {(a, p) for a, p, kind, _ in recorded if kind == "zip"}
    out: dict[str, list[tuple[str, str]]] = {}
    for athlete, path, _, origin in recorded:
        if athlete not in roots or origin == ORIGIN_COMMAND_LINE:
            continue
        if any(a == athlete and path.startswith(z + "!") for a, z in archives):
            continue
        root = _root(path, roots[athlete])
        if root is None:
            if origin == ORIGIN_CONFIG:
                out.setdefault(athlete, []).append((path, "its path is no longer in the "
                                                          "config"))
        elif os.path.exists(root) and not os.path.lexists(path):
            out.setdefault(athlete, []).append((path, "the file is gone"))
    return out


@io_task
def clear_vanished(warehouse: str, config: Config) -> list[Removed]:
    """Remove, in one transaction, the files gone from the configured folders (or whose
    path left the config) and every raw row they gave; one log line per file."""
    from prefect import get_run_logger

    roots = configured_roots(config)
    removed: list[Removed] = []
    with connect(Path(warehouse)) as con:
        create_all(con)
        gone = vanished(recorded_paths(con, list(roots)), roots)
        if not gone:
            return []
        why = {(a, p): w for a, paths in gone.items() for p, w in paths}
        with transaction(con):
            for athlete, paths in gone.items():
                removed += forget_paths(con, athlete, [p for p, _ in paths])
    removed = [replace(r, reason=why.get((r.athlete_id, r.path), "no remaining path holds it"))
               for r in removed]
    logger = get_run_logger()
    for r in removed:
        logger.info("removed %s", r.describe())
    return removed


def forget(warehouse: str, what: str) -> list[Removed]:
    """Remove the contents `what` names (a sha256 or a prefix of 8+ hex digits, or a path:
    `warehouse.forget.matching_contents`) with every raw row and path of theirs, in one
    transaction; [] when nothing matches. A relative path is also tried resolved."""
    with connect(Path(warehouse)) as con:
        create_all(con)
        found = matching_contents(con, what)
        if not found and not Path(what).is_absolute():
            found = matching_contents(con, str(Path(what).expanduser().resolve()))
        removed: list[Removed] = []
        with transaction(con):
            for athlete in sorted({a for a, _ in found}):
                removed += forget_contents(con, athlete, [s for a, s in found if a == athlete])
    return removed


@dataclass
class Forgotten:
    """What `forget_flow` removed, and the build that followed (None: not built)."""

    removed: list[Removed] = field(default_factory=list)
    build: BuildSummary | None = None


@flow(name="forget")
def forget_flow(warehouse: str, what: str, config: Config | None = None) -> Forgotten:
    """Remove the file `what` names (path or sha256) from every raw table at once, holding
    the warehouse's run lock; with a config, rebuild and publish the marts (fewer rows
    accepted). Nothing removed when nothing matches (`Forgotten.removed` empty)."""
    result = Forgotten()
    with pipeline_run(Path(warehouse), "forget"):
        result.removed = forget(warehouse, what)
        if result.removed and config is not None:
            result.build = build_flow.fn(warehouse=warehouse, athletes=list(config.athletes),
                                         scoring=config.scoring, full=True,
                                         units=config.display.units)
    return result
