"""Imported first in the fork server that starts decoding workers (never in the main
process): one polars thread per worker, since the pool already uses every core."""

import os

os.environ["POLARS_MAX_THREADS"] = "1"

import flows.fit_worker  # noqa: E402,F401  (preloads fitparse and polars for the workers)
