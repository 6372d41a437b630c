"""`musclebalance forget`, by path or by sha256, clears the block of a file given to
`ingest` outside the config's paths: a run keeps such a file (still blocked), `forget`
removes its rows and publishes its athlete again. The file: a 360 km hour
(tests/helpers.py fast_run), above the 0-300 km a day of `run_distance_km`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import TwoRunners

pytestmark = pytest.mark.flow  # every test here starts Prefect (prefect_server)


def test_forget_by_path_and_by_sha256_clears_a_one_off_ingest(
    tmp_path: Path, prefect_server: str,
) -> None:
    s = TwoRunners(tmp_path, prefect_server)
    outside = s.root / "downloads" / "fast-run.fit"  # not under the config's paths
    outside.parent.mkdir()
    outside.write_bytes(s.fast_data)
    assert s.run().returncode == 0  # both athletes' ordinary runs
    for how in (str(outside), s.sha):
        ingest = s.cli("ingest", "--config", str(s.config), "--fit", str(outside),
                       "--athlete", "fast")
        assert ingest.returncode == 0, ingest.stderr
        # a run keeps what `ingest` was given outside the config: still blocked
        blocked = s.run()
        assert blocked.returncode == 1, blocked.stderr
        assert str(outside) in blocked.stderr
        assert s.fast_rows() == 3601 + 1 + 1
        rows = s.all_rows()
        forget = s.cli("forget", how, "--config", str(s.config))
        assert forget.returncode == 0, forget.stdout + forget.stderr
        assert f"removed {outside} (fast, sha256 {s.sha[:12]}): {rows} rows" in forget.stdout
        assert s.fast_rows() == 0
        assert s.distance_km("fast", 1) < 20  # published again without the file
    nothing = s.cli("forget", s.sha, "--config", str(s.config))
    assert nothing.returncode == 2
    assert "no file" in nothing.stderr and "matches" in nothing.stderr
