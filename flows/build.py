"""The build flow: daily facts and the muscle-balance score from the raw tables, written
to the marts in one step.

`build_flow` holds the warehouse's run lock, reads the raw tables of the configured
athletes, computes every daily fact (transforms.daily_facts), scores every day and week
(transforms.muscle_balance) and replaces the mart tables in one transaction. Nothing is
incremental: every build starts from the raw tables.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.runtime import run_id, utc_now
from schemas.config import Athlete
from transforms.daily_facts import FactConstants, daily_facts
from transforms.muscle_balance import daily_muscle_balance, score_days, weekly_muscle_balance
from transforms.score_model import ScoreConstants
from warehouse.connection import connect, transaction
from warehouse.ddl import create_all
from warehouse.facts import read_raw, write_marts
from warehouse.lock import run_lock
from warehouse.manifest import record_athletes
from warehouse.runs import record_run


@dataclass
class BuildSummary:
    """What a build wrote (counts only)."""

    athlete_id: str = "all"
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    loaded: int = 0
    skipped: int = 0
    quarantined: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(self.rows.values())

    @property
    def ok(self) -> bool:
        return True


def athlete_frame(athletes: list[Athlete]) -> pl.DataFrame:
    """The configured athletes as one frame (what the metrics need of each)."""
    return pl.DataFrame(
        [{"athlete_id": a.id, "timezone": a.timezone, "sex": a.sex,
          "birth_year": a.birth_year, "height_cm": a.height_cm, "weight_kg": a.weight_kg,
          "max_hr": a.max_hr, "resting_hr": a.resting_hr, "lthr": a.lthr,
          "zone_model": a.zone_model} for a in athletes],
        schema={"athlete_id": pl.String, "timezone": pl.String, "sex": pl.String,
                "birth_year": pl.Int32, "height_cm": pl.Float64, "weight_kg": pl.Float64,
                "max_hr": pl.Float64, "resting_hr": pl.Float64, "lthr": pl.Float64,
                "zone_model": pl.String},
    )


def constants(scoring: dict | None) -> tuple[FactConstants, ScoreConstants]:
    """The fact and score constants with the config's [scoring] overrides applied; an
    unknown key or a bad value raises ValueError naming it."""
    overrides = scoring or {}
    facts = FactConstants.from_overrides(overrides)
    known = frozenset(f.name for f in fields(FactConstants))
    return facts, ScoreConstants.from_overrides(overrides, ignore=known)


@task(cache_policy=NO_CACHE)
def build_daily_facts(warehouse: str, athletes: list[Athlete], scoring: dict | None = None
                      ) -> dict[str, int]:
    """Compute the daily facts and scores and replace the mart tables; returns rows per
    table."""
    frame = athlete_frame(athletes)
    fact_constants, score_constants = constants(scoring)
    with connect(Path(warehouse)) as con:
        create_all(con)
        with transaction(con):
            record_athletes(con, [(a.id, a.timezone) for a in athletes], utc_now())
        raw = read_raw(con, [a.id for a in athletes])
        facts = daily_facts(raw, frame, utc_now().date(), fact_constants)
        scored = score_days(facts.training, facts.nutrition, facts.energy, score_constants,
                            fact_constants)
        tables = {"daily_training": facts.training, "daily_nutrition": facts.nutrition,
                  "daily_energy": facts.energy,
                  "daily_muscle_balance": daily_muscle_balance(scored),
                  "weekly_muscle_balance": weekly_muscle_balance(scored, score_constants)}
        write_marts(con, tables)
    return {name: f.height for name, f in tables.items()}


@flow(name="build")
def build_flow(warehouse: str, athletes: list[Athlete], scoring: dict | None = None
               ) -> BuildSummary:
    """Rebuild every daily fact table from the raw tables (`scoring`: the config's
    [scoring] table; its keys named in transforms.daily_facts.FactConstants apply here)."""
    logger = get_run_logger()
    started = utc_now()
    t0 = time.perf_counter()
    with run_lock(Path(warehouse)):
        rows = build_daily_facts(warehouse, athletes, scoring)
        summary = BuildSummary(rows=rows, seconds=time.perf_counter() - t0)
        record_run(Path(warehouse), run_id(), "build", started, utc_now(), [summary])
    logger.info("built %s", ", ".join(f"{k}: {v} rows" for k, v in rows.items()))
    return summary
