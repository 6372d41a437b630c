"""Local days of FIT samples: midnight, DST both ways, a trip, missing offsets."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from transforms.local_days import local_times, session_sport

BERLIN = {"ana": "Europe/Berlin"}


def _samples(sha: str, *instants: datetime | None, athlete: str = "ana") -> pl.DataFrame:
    return pl.DataFrame(
        {"athlete_id": [athlete] * len(instants), "source_sha256": [sha] * len(instants),
         "timestamp_utc": list(instants)},
        schema={"athlete_id": pl.String, "source_sha256": pl.String,
                "timestamp_utc": pl.Datetime("us", "UTC")},
    )


def _activity(*rows: tuple[str, datetime, int | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"source_sha256": [r[0] for r in rows], "message_seq": list(range(len(rows))),
         "timestamp_utc": [r[1] for r in rows], "utc_offset_s": [r[2] for r in rows]},
        schema={"source_sha256": pl.String, "message_seq": pl.Int32,
                "timestamp_utc": pl.Datetime("us", "UTC"), "utc_offset_s": pl.Int32},
    )


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_run_across_midnight_splits_its_samples_over_two_days() -> None:
    samples = _samples("a", _utc(2026, 1, 9, 22, 30), _utc(2026, 1, 9, 22, 59, 59),
                       _utc(2026, 1, 9, 23, 0), _utc(2026, 1, 9, 23, 40))
    out = local_times(samples, _activity(("a", _utc(2026, 1, 9, 23, 40), 3600)), BERLIN)
    # CET is UTC+1: 23:30, 23:59:59, 00:00, 00:40
    assert out["local_date"].to_list() == [date(2026, 1, 9)] * 2 + [date(2026, 1, 10)] * 2
    assert out["offset_source"].unique().to_list() == ["home_zone"]


def test_spring_forward_keeps_each_sample_on_its_wall_clock_time() -> None:
    # 2026-03-29: 01:00 UTC is when Berlin jumps from 02:00 CET to 03:00 CEST
    samples = _samples("a", _utc(2026, 3, 29, 0, 30), _utc(2026, 3, 29, 1, 30))
    out = local_times(samples, _activity(("a", _utc(2026, 3, 29, 2, 30), 7200)), BERLIN)
    assert [t.strftime("%H:%M") for t in out["local_time"]] == ["01:30", "03:30"]
    assert out["utc_offset_s"].to_list() == [3600, 7200]


def test_fall_back_keeps_each_sample_on_its_wall_clock_time() -> None:
    # 2026-10-25: 01:00 UTC is when Berlin falls back from 03:00 CEST to 02:00 CET
    samples = _samples("a", _utc(2026, 10, 24, 23, 30), _utc(2026, 10, 25, 1, 30))
    out = local_times(samples, _activity(("a", _utc(2026, 10, 25, 1, 30), 3600)), BERLIN)
    assert [t.strftime("%d %H:%M") for t in out["local_time"]] == ["25 01:30", "25 02:30"]


def test_a_trip_uses_the_offset_each_file_states() -> None:
    home = _samples("home", _utc(2026, 6, 8, 5, 0))
    away = _samples("ny", _utc(2026, 6, 10, 3, 0))  # 23:00 the evening before in New York
    activity = _activity(("home", _utc(2026, 6, 8, 6, 0), 7200),
                         ("ny", _utc(2026, 6, 10, 4, 0), -4 * 3600))
    out = local_times(pl.concat([home, away]), activity, BERLIN).sort("source_sha256")
    assert out.select("source_sha256", "local_date", "offset_source").rows() == [
        ("home", date(2026, 6, 8), "home_zone"),
        ("ny", date(2026, 6, 9), "file"),
    ]


def test_no_stated_offset_falls_back_to_the_home_zone_and_says_so() -> None:
    samples = _samples("a", _utc(2026, 7, 1, 22, 30))
    out = local_times(samples, _activity(("a", _utc(2026, 7, 1, 23, 0), None)), BERLIN)
    assert out.row(0, named=True)["local_date"] == date(2026, 7, 2)  # 00:30 CEST
    assert out["offset_source"].to_list() == ["home_zone_no_file_offset"]


def test_samples_without_an_instant_get_no_day_and_unknown_athletes_use_utc() -> None:
    samples = pl.concat([_samples("a", None), _samples("b", _utc(2026, 7, 1, 23, 30),
                                                       athlete="zoe")])
    out = local_times(samples, _activity(), BERLIN).sort("athlete_id")
    assert out["local_date"].to_list() == [None, date(2026, 7, 1)]


def test_each_sample_takes_the_sport_of_its_session() -> None:
    samples = _samples("tri", _utc(2026, 5, 1, 7, 59), _utc(2026, 5, 1, 8, 10),
                       _utc(2026, 5, 1, 8, 40), _utc(2026, 5, 1, 9, 30))
    sessions = pl.DataFrame(
        {"source_sha256": ["tri"] * 3, "segment": [0] * 3,
         "start_time_utc": [_utc(2026, 5, 1, 8, 0), _utc(2026, 5, 1, 8, 30),
                            _utc(2026, 5, 1, 9, 0)],
         "timestamp_utc": [_utc(2026, 5, 1, 8, 29), _utc(2026, 5, 1, 8, 59),
                           _utc(2026, 5, 1, 9, 59)],
         "sport": ["swimming", "cycling", "running"], "sub_sport": [None, None, "trail"]},
        schema_overrides={"start_time_utc": pl.Datetime("us", "UTC"),
                          "timestamp_utc": pl.Datetime("us", "UTC"), "sub_sport": pl.String},
    )
    out = session_sport(samples, sessions)
    assert out["sport"].to_list() == ["swimming", "swimming", "cycling", "running"]
    assert out["sub_sport"].to_list()[-1] == "trail"
    assert len(out) == len(samples)


def test_file_codes_are_one_per_file_and_shared_with_other_frames() -> None:
    from transforms.local_days import file_codes

    records = _samples("b", _utc(2026, 5, 1, 8), _utc(2026, 5, 1, 9)).vstack(
        _samples("a", _utc(2026, 5, 2, 8)))
    coded, codes = file_codes(records)
    assert codes.height == 2 and codes["file_code"].n_unique() == 2
    by_sha = dict(codes.iter_rows())
    assert coded["file_code"].to_list() == [by_sha["b"], by_sha["b"], by_sha["a"]]


def test_a_sample_exactly_at_the_change_takes_the_new_offset() -> None:
    # 2026-10-25 01:00:00 UTC: Berlin falls back, 03:00 CEST becomes 02:00 CET
    samples = _samples("a", _utc(2026, 10, 25, 0, 59, 59), _utc(2026, 10, 25, 1, 0, 0),
                       _utc(2026, 10, 25, 1, 30))
    out = local_times(samples, _activity(("a", _utc(2026, 10, 25, 1, 30), 3600)), BERLIN)
    assert [t.strftime("%H:%M:%S") for t in out.sort("timestamp_utc")["local_time"]] == [
        "02:59:59", "02:00:00", "02:30:00"]


def _single_sessions(*rows: tuple[str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"source_sha256": [r[0] for r in rows], "start_time_utc": [_utc(2026, 5, 1, 8)] * len(rows),
         "timestamp_utc": [_utc(2026, 5, 1, 9)] * len(rows), "sport": [r[1] for r in rows],
         "sub_sport": [r[2] for r in rows]},
        schema_overrides={"start_time_utc": pl.Datetime("us", "UTC"),
                          "timestamp_utc": pl.Datetime("us", "UTC")},
    )


def test_files_of_one_sport_share_it_and_a_file_without_a_session_has_none() -> None:
    samples = pl.concat([_samples("a", _utc(2026, 5, 1, 8, 10)),
                         _samples("b", _utc(2026, 5, 2, 8, 10), _utc(2026, 5, 2, 8, 11)),
                         _samples("lost", _utc(2026, 5, 3, 8, 10))])
    both_run = _single_sessions(("a", "running", "trail"), ("b", "running", "trail"))
    out = session_sport(samples, both_run).sort("timestamp_utc")
    assert out["sport"].to_list() == ["running", "running", "running", None]
    assert out["sub_sport"].to_list() == ["trail", "trail", "trail", None]
    mixed = _single_sessions(("a", "cycling", "road"), ("b", "running", "trail"))
    out = session_sport(samples.head(3), mixed).sort("timestamp_utc")
    assert out["sport"].to_list() == ["cycling", "running", "running"]


def test_files_at_home_and_away_in_one_frame_keep_their_own_offsets_and_sources() -> None:
    # July: Berlin is UTC+2; "trip" states UTC-4 (New York), "home" states +2, "none" none
    samples = pl.concat([_samples("home", _utc(2026, 7, 1, 22, 30)),
                         _samples("trip", _utc(2026, 7, 2, 2, 30)),
                         _samples("none", _utc(2026, 7, 3, 21, 59))])
    activity = _activity(("home", _utc(2026, 7, 1, 23, 0), 7200),
                         ("trip", _utc(2026, 7, 2, 3, 0), -14400))
    out = local_times(samples, activity, BERLIN).sort("timestamp_utc")
    assert out["utc_offset_s"].to_list() == [7200, -14400, 7200]
    assert out["offset_source"].to_list() == ["home_zone", "file", "home_zone_no_file_offset"]
    assert out["local_time"].to_list() == [datetime(2026, 7, 2, 0, 30),
                                           datetime(2026, 7, 1, 22, 30),
                                           datetime(2026, 7, 3, 23, 59)]
    assert out["local_date"].to_list() == [date(2026, 7, 2), date(2026, 7, 1), date(2026, 7, 3)]


def test_two_athletes_are_placed_each_in_their_own_zone() -> None:
    samples = pl.concat([_samples("a", _utc(2026, 1, 9, 23, 30)),
                         _samples("b", _utc(2026, 1, 9, 23, 30), athlete="bo")])
    out = local_times(samples, _activity(), {"ana": "Europe/Berlin", "bo": "UTC"})
    # 23:30 UTC is 00:30 CET in Berlin; in UTC the same day
    assert dict(out.select("athlete_id", "local_date").iter_rows()) == {
        "ana": date(2026, 1, 10), "bo": date(2026, 1, 9)}
