"""The nightly run as one Prefect flow: ingest every configured source, then build (facts,
scores, expectations, publish)."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from flows.build import BuildSummary, build_flow
from flows.ingest import ingest_fit_flow
from flows.nutrition_ingest import ingest_nutrition_flow
from flows.settings import ingest_request
from schemas.config import load_config


@flow(name="nightly")
def nightly_flow(config: str) -> BuildSummary:
    """What `musclebalance run` does, for deployments: ingest FIT files and nutrition
    exports as the config lists them, then rebuild, check and publish the marts (a failed
    expectation fails the run and publishes nothing)."""
    settings = load_config(Path(config))
    request = ingest_request(settings)
    if request.athletes:
        ingest_fit_flow(warehouse=str(request.warehouse), athletes=request.athletes,
                        workers=request.workers, limits=request.limits)
    if request.nutrition:
        ingest_nutrition_flow(warehouse=str(request.warehouse), athletes=request.nutrition,
                              limits=request.limits)
    return build_flow(warehouse=str(request.warehouse), athletes=list(settings.athletes),
                      scoring=dict(settings.scoring))
