"""warehouse/private.py: what the product writes is owner-only whatever the umask (mode bits
read back with os.stat)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from warehouse.private import make_private, owner_only, private_dir, write_private


@pytest.fixture(autouse=True)
def _umask_restored():
    previous = os.umask(0o022)  # a common default: the helpers must narrow it themselves
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_private_dir_creates_parents_and_restricts_an_existing_folder(tmp_path: Path) -> None:
    created = private_dir(tmp_path / "a" / "b")
    assert created == tmp_path / "a" / "b"
    assert _mode(created) == 0o700
    wide = tmp_path / "wide"
    wide.mkdir(mode=0o755)
    os.chmod(wide, 0o755)
    private_dir(wide)
    assert _mode(wide) == 0o700


def test_a_folder_the_user_chose_keeps_its_mode(tmp_path: Path) -> None:
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    os.chmod(chosen, 0o750)
    private_dir(chosen, restrict_existing=False)
    assert _mode(chosen) == 0o750
    private_dir(tmp_path / "new", restrict_existing=False)
    assert _mode(tmp_path / "new") == 0o700


def test_write_private_writes_0600_text_and_bytes_and_narrows_an_existing_file(
        tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        text = write_private(tmp_path / "t.toml", "héllo\n")
        existing = tmp_path / "b.bin"
        existing.write_bytes(b"old contents, longer")
        os.chmod(existing, 0o666)
        write_private(existing, b"\x00\x01")
    finally:
        os.umask(previous)
    assert text.read_bytes() == "héllo\n".encode()
    assert existing.read_bytes() == b"\x00\x01"
    assert _mode(text) == 0o600 and _mode(existing) == 0o600


def test_make_private_restricts_a_file_and_ignores_a_missing_one(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_text("x")
    os.chmod(path, 0o644)
    make_private(path)
    assert _mode(path) == 0o600
    make_private(tmp_path / "missing")  # no error
    assert not (tmp_path / "missing").exists()


def test_owner_only_sets_umask_077_and_restores_it(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        with owner_only():
            (tmp_path / "f").write_text("x")  # open() asks for 0666
            (tmp_path / "d").mkdir()  # mkdir asks for 0777
        assert os.umask(0o022) == 0o022  # restored after the block
        try:
            with owner_only():
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        assert os.umask(0o022) == 0o022  # restored after an error too
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "f") == 0o600
    assert _mode(tmp_path / "d") == 0o700
