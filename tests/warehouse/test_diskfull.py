"""A full disk, recognised from Python's and DuckDB's errors, and a publish that meets one:
its temporary files are removed, the previous files stay, and DiskFull names the file and
the space the files need."""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path

import duckdb
import pytest

import warehouse.publish
from tests.factories import publish_nutrition
from warehouse.diskfull import DiskFull, is_disk_full
from warehouse.publish import PUBLISHED_FILE, TEMP_PREFIX

NO_SPACE = 'IO Error: Could not write file "/d/w.duckdb.wal": No space left on device'


def _raised_from(cause: BaseException) -> RuntimeError:
    try:
        try:
            raise cause
        except BaseException as exc:
            raise RuntimeError("the task failed") from exc
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(("error", "full"), [
    (OSError(errno.ENOSPC, "No space left on device"), True),
    (OSError(errno.EDQUOT, "Disk quota exceeded"), True),
    (duckdb.IOException(NO_SPACE), True),
    (duckdb.IOException('IO Error: Could not write all bytes to file "x": wanted=9 wrote=2'),
     True),
    (duckdb.TransactionException(f"TransactionContext Error: Failed to commit: {NO_SPACE}"),
     True),
    (_raised_from(OSError(errno.ENOSPC, "No space left on device")), True),
    (OSError(errno.EIO, "Input/output error"), False),
    (duckdb.IOException('IO Error: Could not write file "x": Permission denied'), False),
    (ValueError("No space left on device"), False),  # not an I/O error
])
def test_a_full_disk_is_recognised_and_nothing_else(error: BaseException, full: bool) -> None:
    assert is_disk_full(error) is full


def _digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` (links followed), by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_publish_that_meets_a_full_disk_removes_its_files_and_keeps_the_previous(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    warehouse_path = tmp_path / "w.duckdb"
    published = publish_nutrition(warehouse_path, 3, 100.0, "r1")
    folder = published.parent
    before = _digest(folder)
    # what the previous files take, summed here by hand: the DuckDB file and one export set
    exports = next(folder.glob("exports-*"))
    previous_bytes = published.stat().st_size + sum(
        p.stat().st_size for p in exports.rglob("*") if p.is_file())
    write_exports = warehouse.publish._write_exports

    def fill_the_disk(*args) -> None:  # the exports are written, then the disk is full
        write_exports(*args)
        assert list(folder.glob(f"{TEMP_PREFIX}*"))
        raise duckdb.IOException(f'IO Error: Could not write file "{folder}/x": '
                                 "No space left on device")

    monkeypatch.setattr(warehouse.publish, "_write_exports", fill_the_disk)
    with pytest.raises(DiskFull) as raised:
        publish_nutrition(warehouse_path, 4, 150.0, "r2")
    message = str(raised.value)
    assert message.startswith(f"{folder / PUBLISHED_FILE}: no space left on device: ")
    assert f"needs about {previous_bytes / 1e6:.1f} MB" in message
    assert "previously published files are unchanged" in message and "\n" not in message
    assert raised.value.needed_bytes == previous_bytes
    assert not list(folder.glob(f"{TEMP_PREFIX}*"))
    assert _digest(folder) == before
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT count(*), sum(protein_g) FROM marts.daily_nutrition"
                           ).fetchone() == (3, 300.0)


def test_a_publish_stopped_by_another_error_removes_its_files_and_raises_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    warehouse_path = tmp_path / "w.duckdb"
    published = publish_nutrition(warehouse_path, 2, 100.0, "r1")
    before = _digest(published.parent)

    def interrupted(*args) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(warehouse.publish, "_write_exports", interrupted)
    with pytest.raises(KeyboardInterrupt):
        publish_nutrition(warehouse_path, 4, 150.0, "r2")
    assert not list(published.parent.glob(f"{TEMP_PREFIX}*"))
    assert _digest(published.parent) == before
