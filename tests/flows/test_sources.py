"""Finding input files and opening archives within fixed limits."""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import os
import socket
import threading
import zipfile
from pathlib import Path

import pytest

from flows.sources import (
    ArchiveLimits,
    ArchiveRefused,
    ChangedWhileRead,
    NotRegularFile,
    content_sha256,
    csv_kind,
    find_files,
    fit_kind,
    open_archive,
    read_input,
    read_unchanged,
)

FIT_LIKE = b"\x0e\x10" + b"\x00" * 6 + b".FIT" + b"\x00" * 100


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_folders_are_walked_for_fit_gz_and_zip_only(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/run.fit", "a/b/RUN2.FIT", "a/b/old.fit.gz", "a/export.zip", "a/notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    found, problems = find_files([tmp_path])
    names = sorted(Path(f.path).name for f in found)
    assert names == ["RUN2.FIT", "export.zip", "old.fit.gz", "run.fit"]
    assert {f.kind for f in found} == {"fit", "fit.gz", "zip"}
    assert problems == []


def test_a_file_named_explicitly_is_taken_whatever_its_name(tmp_path: Path) -> None:
    odd = tmp_path / "diary.csv"
    odd.write_text("Date,Calories\n")
    found, _ = find_files([odd, tmp_path / "missing.fit"])
    assert [Path(f.path).name for f in found] == ["diary.csv"]
    _, problems = find_files([tmp_path / "missing.fit"])
    assert problems and "missing.fit" in problems[0][0]


def test_same_content_as_fit_and_fit_gz_hashes_the_same(tmp_path: Path) -> None:
    plain = tmp_path / "a.fit"
    plain.write_bytes(FIT_LIKE)
    packed = tmp_path / "a.fit.gz"
    packed.write_bytes(gzip.compress(FIT_LIKE))
    assert content_sha256(plain, "fit") == content_sha256(packed, "fit.gz")
    assert read_input(packed, "fit.gz") == FIT_LIKE


def test_gzip_bomb_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.fit.gz"
    bomb.write_bytes(gzip.compress(b"\x00" * (50 * 1024 * 1024)))
    with pytest.raises(ArchiveRefused, match="gzip bomb"):
        content_sha256(bomb, "fit.gz")


def test_nested_export_zip_yields_members_with_display_paths(tmp_path: Path) -> None:
    inner = _zip_bytes({"UploadedFiles_0/act1.fit": FIT_LIKE + b"1"})
    archive = _zip(tmp_path / "export.zip", {
        "DI_CONNECT/Part1.zip": inner,
        "DI_CONNECT/act2.FIT": FIT_LIKE + b"2",
        "readme.txt": b"hello",
    })
    scratch = tmp_path / "scratch"
    members = open_archive(str(archive), scratch)
    assert sorted(m.path.split("!", 1)[1] for m in members) == [
        "DI_CONNECT/Part1.zip!UploadedFiles_0/act1.fit",
        "DI_CONNECT/act2.FIT",
    ]
    assert {m.read_path.read_bytes() for m in members} == {FIT_LIKE + b"1", FIT_LIKE + b"2"}
    assert all(m.read_path.parent == scratch for m in members)  # nothing written elsewhere


@pytest.mark.parametrize(
    "entry", ["../evil.fit", "a/../../evil.fit", "/etc/evil.fit", "C:/evil.fit", "..\\evil.fit"]
)
def test_zip_slip_is_refused_before_anything_is_written(tmp_path: Path, entry: str) -> None:
    archive = _zip(tmp_path / "slip.zip", {"good.fit": FIT_LIKE, entry: FIT_LIKE})
    scratch = tmp_path / "scratch"
    with pytest.raises(ArchiveRefused, match="zip slip"):
        open_archive(str(archive), scratch)
    assert not (tmp_path / "evil.fit").exists()
    assert list(scratch.iterdir()) == []


def test_zip_bomb_by_ratio_is_refused(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "bomb.zip", {"huge.fit": b"\x00" * (64 * 1024 * 1024)})
    assert os.path.getsize(archive) < 1024 * 1024
    with pytest.raises(ArchiveRefused, match="zip bomb"):
        open_archive(str(archive), tmp_path / "scratch")


def test_total_size_limit(tmp_path: Path) -> None:
    members = {f"{i}.fit": os.urandom(20_000) for i in range(5)}
    archive = _zip(tmp_path / "big.zip", members)
    with pytest.raises(ArchiveRefused, match="size limit"):
        open_archive(str(archive), tmp_path / "s", ArchiveLimits(max_total_bytes=50_000))


def test_entry_count_limit(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "many.zip", {f"{i}.fit": b"x" for i in range(20)})
    with pytest.raises(ArchiveRefused, match="more than 10 entries"):
        open_archive(str(archive), tmp_path / "s", ArchiveLimits(max_entries=10))


def test_nesting_depth_limit(tmp_path: Path) -> None:
    data = _zip_bytes({"deep.fit": FIT_LIKE})
    for level in range(4):
        data = _zip_bytes({f"level{level}.zip": data})
    archive = tmp_path / "nested.zip"
    archive.write_bytes(data)
    with pytest.raises(ArchiveRefused, match="nested deeper than 3"):
        open_archive(str(archive), tmp_path / "s", ArchiveLimits(max_depth=3))
    members = open_archive(str(archive), tmp_path / "s2", ArchiveLimits(max_depth=6))
    assert [m.read_path.read_bytes() for m in members] == [FIT_LIKE]


def test_not_a_zip(tmp_path: Path) -> None:
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"PK but not really")
    with pytest.raises(ArchiveRefused, match="not a readable zip"):
        open_archive(str(fake), tmp_path / "s")


# --------------------------------------------------------------------------- only regular files

needs_posix = pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(),
                                 reason="FIFOs and /dev/zero exist on POSIX systems only")


def _with_timeout(call, seconds: float = 5.0):
    """`call()` in a thread; fails the test when it has not returned within `seconds` (a
    read of /dev/zero or of a FIFO without a writer would never return)."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # handed to the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still reading after {seconds} s"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")


@needs_posix
def test_devices_fifos_and_sockets_are_refused_by_name_also_inside_folders(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "Activity" / "2024"
    folder.mkdir(parents=True)
    (folder / "run.fit").write_bytes(FIT_LIKE)
    os.symlink("/dev/zero", folder / "zero.fit")
    os.mkfifo(folder / "pipe.fit")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(folder / "sock.zip"))
        os.symlink("/dev/zero", tmp_path / "given.fit")
        found, problems = _with_timeout(
            lambda: find_files([tmp_path / "Activity", tmp_path / "given.fit"]))
    assert [Path(f.path).name for f in found] == ["run.fit"]
    assert sorted(problems) == sorted([
        (str(folder / "zero.fit"), "not a regular file (a character device): only regular "
                                   "files are read"),
        (str(folder / "pipe.fit"), "not a regular file (a FIFO (named pipe)): only regular "
                                   "files are read"),
        (str(folder / "sock.zip"), "not a regular file (a socket): only regular files are read"),
        (str(tmp_path / "given.fit"), "not a regular file (a character device): only regular "
                                      "files are read"),
    ])


@needs_posix
@pytest.mark.parametrize("kind", ["fit", "fit.gz", "csv", "zip"])
def test_reading_or_hashing_a_device_or_fifo_is_refused_at_once(tmp_path: Path,
                                                                kind: str) -> None:
    os.mkfifo(tmp_path / "pipe")
    for path in ("/dev/zero", tmp_path / "pipe"):
        for read in (lambda p=path: read_input(p, kind),  # type: ignore[misc]
                     lambda p=path: content_sha256(p, kind)):  # type: ignore[misc]
            with pytest.raises(NotRegularFile, match="not a regular file"):
                _with_timeout(read)
    with pytest.raises(NotRegularFile):
        _with_timeout(lambda: open_archive(str(tmp_path / "pipe"), tmp_path / "s"))


@pytest.mark.parametrize("kind", ["fit", "csv", "zip"])
def test_every_read_stops_at_its_size_limit(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"x" * 3000)
    limits = ArchiveLimits(max_total_bytes=2000, max_member_bytes=2000, max_export_bytes=2000)
    for read in (read_input, content_sha256):
        with pytest.raises(ArchiveRefused, match="more than 2,000 bytes"):
            read(path, kind, limits)  # type: ignore[arg-type]
    small = ArchiveLimits(max_total_bytes=3000, max_member_bytes=3000, max_export_bytes=3000)
    assert read_input(path, kind, small) == b"x" * 3000  # type: ignore[arg-type]


def test_read_unchanged_gives_the_hashed_bytes_or_refuses_a_file_written_to(
    tmp_path: Path,
) -> None:
    path = tmp_path / "servings.csv"
    first = b"Day,Energy (kcal)\n2024-03-01,2000\n"
    path.write_bytes(first)
    st = path.stat()
    seen = (st.st_size, st.st_mtime_ns)
    sha = hashlib.sha256(first).hexdigest()
    limits = ArchiveLimits()
    assert read_unchanged(path, "csv", limits, sha, seen) == first
    with path.open("ab") as fh:
        fh.write(b"2024-03-02,2100\n")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # a size change alone is seen too
    grown = path.read_bytes()
    for expected in (sha, hashlib.sha256(grown).hexdigest()):
        with pytest.raises(ChangedWhileRead, match="changed while it was read; read again"):
            read_unchanged(path, "csv", limits, expected, seen)
    with pytest.raises(ChangedWhileRead):  # the hash alone, for a file taken out of a zip
        read_unchanged(path, "csv", limits, sha)


@pytest.mark.parametrize(("name", "fit", "csv"), [
    ("run.fit", "fit", None), ("RUN.FIT", "fit", None), ("run.fit.gz", "fit.gz", None),
    ("Export.ZIP", "zip", "zip"), ("servings.csv", None, "csv"), ("run.gpx", None, None),
    ("run.fit.bak", None, None), ("fit", None, None),
])
def test_a_file_name_announces_its_kind(name: str, fit: str | None, csv: str | None) -> None:
    assert (fit_kind(name), csv_kind(name)) == (fit, csv)


@pytest.mark.parametrize(("error", "damaged"), [
    (OSError(errno.EIO, "Input/output error"), False),
    (OSError(errno.ENOSPC, "No space left on device"), False),
    (OSError("Invalid data stream"), True),  # how bz2 says its bytes are bad: no errno
    (zipfile.BadZipFile("Bad CRC-32 for file 'b.fit'"), True),
])
def test_an_entry_the_disk_fails_is_an_io_error_a_damaged_one_a_member_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception, damaged: bool,
) -> None:
    import flows.sources

    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.fit", FIT_LIKE)
    monkeypatch.setattr(flows.sources, "_copy_member", lambda *args: (_ for _ in ()).throw(error))
    if not damaged:
        with pytest.raises(OSError) as raised:
            open_archive(str(archive), tmp_path / "s")
        assert raised.value is error
        return
    (member,) = open_archive(str(archive), tmp_path / "s")
    assert member.read_path is None
    assert member.error == f"cannot read entry ({type(error).__name__}: {error})"
    assert list((tmp_path / "s").iterdir()) == []  # nothing of it left in the scratch folder
