"""The physical ranges as contracts: each names a typed column of raw.fit_records in the
unit the column stores, its limits are the published figures the module cites (with a
margin), and its count key reads as the rule."""

from __future__ import annotations

from pathlib import Path

from schemas import plausibility
from schemas.fit import TABLE_BY_MESSAGE
from schemas.plausibility import RECORD_RULES

RECORDS = {c.name: c for c in TABLE_BY_MESSAGE["record"].columns}


def test_every_rule_names_a_record_column_in_its_unit() -> None:
    for rule in RECORD_RULES:
        assert rule.column in RECORDS, rule
        assert rule.column.endswith("_" + rule.unit.lower().replace("/", "_")), rule


def test_limits_lie_beyond_the_human_records_they_cite() -> None:
    assert plausibility.HEART_RATE_MIN_BPM < 27 < plausibility.HEART_RATE_MAX_BPM  # Guinness
    assert plausibility.RUNNING_SPEED_MAX_M_S > 12.42  # Bolt, Berlin 2009
    assert plausibility.RUNNING_CADENCE_MAX_RPM * 2 / 60 >= 5.0  # 5 steps/s, strides/min
    assert plausibility.POWER_MAX_W > 2500  # the strongest sprint cyclists
    assert plausibility.ALTITUDE_MAX_M > 8849  # Everest


def test_count_keys_read_as_the_rule() -> None:
    assert [r.reason for r in RECORD_RULES] == [
        "heart_rate_bpm<25", "heart_rate_bpm>250", "speed_m_s>12.5 (running)",
        "cadence_rpm>150 (running)", "power_w>3000", "altitude_m>9000"]


def test_every_constant_has_its_source_beside_it() -> None:
    """Each limit is preceded by a comment naming where it comes from: a study or survey
    with its year, or a record book."""
    text = Path(plausibility.__file__).read_text().splitlines()
    for name in ("HEART_RATE_MIN_BPM", "HEART_RATE_MAX_BPM", "RUNNING_SPEED_MAX_M_S",
                 "RUNNING_CADENCE_MAX_RPM", "POWER_MAX_W", "ALTITUDE_MAX_M"):
        at = next(i for i, line in enumerate(text) if line.startswith(f"{name} ="))
        comment = []
        for line in reversed(text[:at]):
            if not line.startswith("#:"):
                break
            comment.append(line)
        said = " ".join(comment)
        assert "Guinness" in said or any(str(y) in said for y in range(1990, 2030)), name
