"""Frames handed between the warehouse and the transforms.

`RawFrames`: the raw tables as the warehouse reads them (`warehouse.facts`), the input of
`transforms.daily_facts`. Columns are those of the `raw` tables (`schemas.fit`,
`schemas.nutrition`).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass
class RawFrames:
    """The raw tables the facts are built from (one athlete or many)."""

    records: pl.DataFrame
    sessions: pl.DataFrame
    activity: pl.DataFrame
    sets: pl.DataFrame
    nutrition_entries: pl.DataFrame
    body_measurements: pl.DataFrame
    #: raw.fit_file_id (identity of each file) and raw.source_files (athlete_id,
    #: source_sha256, status): what tells two files of one activity apart; None: the
    #: sessions identify every file and every file counts as loaded.
    file_id: pl.DataFrame | None = None
    files: pl.DataFrame | None = None
    laps: pl.DataFrame | None = None  # sport of files without a session (see _sport_sources)
    sports: pl.DataFrame | None = None
    #: raw.strength_log (schemas.strength_log.RAW_COLUMNS): the strength log rows of
    #: athletes with strength_source = "log"; None: no strength log.
    strength_log: pl.DataFrame | None = None
    #: The recovery inputs (schemas.wellness): raw.sleep_sessions, raw.resting_hr,
    #: raw.hrv_measurements, raw.body_composition, and raw.fit_weight_scale (FIT
    #: weigh-ins with muscle mass); None: not read.
    sleep_sessions: pl.DataFrame | None = None
    resting_hr: pl.DataFrame | None = None
    hrv_measurements: pl.DataFrame | None = None
    body_composition: pl.DataFrame | None = None
    weight_scale: pl.DataFrame | None = None
    #: raw.fit_hrv (activity RR intervals, s), reduced to one rMSSD per activity
    #: (transforms.wellness.activity_hrv); None: not read.
    fit_hrv: pl.DataFrame | None = None
