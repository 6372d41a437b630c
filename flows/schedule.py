"""When the nightly run fires: a cron in an IANA time zone, computed by Prefect's own schedule
code so that `musclebalance serve` and a Prefect server running prefect.yaml agree to the
second, across daylight-saving changes too.

Prefect's rule on DST days (checked in tests/flows/test_serve.py): a wall time that does not
exist (spring forward) fires once, at the same wall time shifted by the gap (02:30 on the
spring-forward day in Europe/Berlin fires at 03:30 CEST); a wall time that occurs twice
(fall back) fires once, at its first occurrence (02:30 CEST, not 02:30 CET).

Prefect is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The nightly schedule: 03:30 every night, after watches have synced. Equal to the cron of
#: the nightly deployment in prefect.yaml (a test holds them together).
NIGHTLY_CRON = "30 3 * * *"

CRON_HELP = ("five fields: minute hour day-of-month month day-of-week, e.g. "
             f"{NIGHTLY_CRON!r} for 03:30 every night")


def check_timezone(timezone: str) -> ZoneInfo:
    """The zone named `timezone`; ValueError naming it when it is not an IANA zone."""
    problem = ValueError(f"unknown time zone {timezone!r} (expected an IANA name such as "
                         "'Europe/Berlin')")
    if not timezone or timezone != timezone.strip():
        raise problem
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise problem from None


def cron_schedule(cron: str, timezone: str):
    """Prefect's server-side CronSchedule for `cron` in `timezone`; ValueError naming the
    cron string or the zone when either is not valid."""
    from prefect.server.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    check_timezone(timezone)
    try:
        return CronSchedule(cron=cron, timezone=timezone)
    except ValidationError as exc:
        fields = {str(part) for error in exc.errors() for part in error["loc"]}
        if "cron" in fields:
            raise ValueError(f"invalid cron {cron!r} ({CRON_HELP})") from None
        raise ValueError(f"unknown time zone {timezone!r} (Prefect does not know it; use an "
                         "IANA name such as 'Europe/Berlin')") from None


def next_fire(cron: str, timezone: str, after: datetime) -> datetime:
    """The first instant strictly after `after` (an aware datetime) at which `cron` fires in
    the IANA zone `timezone`, as an aware UTC datetime."""
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError(f"`after` must be an aware datetime (got the naive {after})")
    schedule = cron_schedule(cron, timezone)
    # Prefect returns dates on or after `start`: one microsecond later makes it "after".
    start = after.astimezone(UTC) + timedelta(microseconds=1)
    try:
        dates = asyncio.run(schedule.get_dates(n=1, start=start))
    except ValueError:  # croniter's errors are ValueErrors: no date found (e.g. 30 February)
        dates = []
    if not dates:
        raise ValueError(f"cron {cron!r} never fires (no date after {after:%Y-%m-%d %H:%M} "
                         "UTC matches it)")
    fire = dates[0].astimezone(UTC)
    return datetime(fire.year, fire.month, fire.day, fire.hour, fire.minute, fire.second,
                    fire.microsecond, tzinfo=UTC)
