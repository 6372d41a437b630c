"""prefect.yaml as Prefect reads it: the nightly deployment points at an existing flow with
the parameters it takes, its cron and time zone parse, and at most one run goes at a time;
and the command line's help starts without the heavy imports."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import yaml
from prefect import Flow
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.client.schemas.schedules import CronSchedule

from tests.helpers import REPO


def _nightly() -> dict:
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text())
    (deployment,) = [d for d in spec["deployments"] if d["name"] == "nightly"]
    return deployment


def test_the_nightly_deployment_points_at_the_nightly_flow_with_its_parameters() -> None:
    deployment = _nightly()
    path, name = deployment["entrypoint"].split(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    flow = getattr(module, name)
    assert isinstance(flow, Flow) and flow.name == "nightly"
    assert set(deployment["parameters"]) == set(inspect.signature(flow.fn).parameters)


def test_the_schedule_is_a_cron_with_an_iana_time_zone() -> None:
    (schedule,) = _nightly()["schedules"]
    cron = CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
    assert cron.timezone == "Europe/Berlin" and schedule["active"] is True


def test_at_most_one_nightly_run_at_a_time() -> None:
    limit = ConcurrencyLimitConfig(**_nightly()["concurrency_limit"])
    assert limit.limit == 1
    assert limit.collision_strategy == ConcurrencyLimitStrategy.ENQUEUE


def test_help_does_not_import_great_expectations_or_start_prefect() -> None:
    code = ("import sys\nfrom flows.cli import app\ntry:\n    app(['--help'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('great_expectations', 'prefect', 'duckdb', 'polars') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
