"""Find input files on disk and open archives safely.

Paths may name a FIT file (`.fit`, `.FIT`, `.fit.gz`), a folder (searched recursively) or
a Garmin bulk-export `.zip` (which itself holds zips). Archives are read member by member
into a scratch folder the caller owns, under file names this module chooses, so no entry
name ever decides where bytes are written. Limits on total size, entry count, nesting
depth and compression ratio refuse zip slips and zip bombs before they can do harm.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import os
import shutil
import stat
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Literal

from schemas.apple_health import apple_not_used, is_apple_export
from schemas.garmin_export import garmin_json_role, garmin_not_used

Kind = Literal["fit", "fit.gz", "zip", "csv", "json", "xml"]
KindOf = Callable[[str], "Kind | None"]

#: Default archive limits. A Garmin export of many years is a few GB; these leave room.
MAX_ARCHIVE_BYTES = 8 * 1024**3
MAX_ARCHIVE_ENTRIES = 100_000
MAX_ARCHIVE_DEPTH = 3
#: A FIT member that expands more than this many times its compressed size is a bomb:
#: real FIT files compress 2-10x.
MAX_COMPRESSION_RATIO = 100
#: Largest single FIT file accepted (from a zip or a .gz); real activities are < 50 MB.
MAX_FIT_BYTES = 512 * 1024**2
#: Largest nutrition export read (a ten-year Cronometer servings file is ~25 MB).
MAX_EXPORT_BYTES = 512 * 1024**2

_READ_CHUNK = 1024 * 1024


class ArchiveRefused(ValueError):
    """An archive broke a safety limit or holds a dangerous entry name."""


@dataclass(frozen=True)
class ArchiveLimits:
    """Fixed limits an archive must respect as a whole (nested archives included)."""

    max_total_bytes: int = MAX_ARCHIVE_BYTES  # all members expanded, nested ones included
    max_entries: int = MAX_ARCHIVE_ENTRIES  # entries, nested archives' included
    max_depth: int = MAX_ARCHIVE_DEPTH  # levels of archives inside archives
    max_ratio: int = MAX_COMPRESSION_RATIO  # expanded size over compressed size, per member
    max_member_bytes: int = MAX_FIT_BYTES  # one FIT file (a member, or a .fit.gz expanded)
    max_export_bytes: int = MAX_EXPORT_BYTES  # one nutrition export


class NotRegularFile(ValueError):
    """A path to read that is a device, a FIFO, a socket or a folder: reading it could block
    or never end, so it is refused by name."""


#: What a file that is not a regular file is, by its `stat` type.
_FILE_TYPES = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def not_regular_reason(mode: int, read: str = "regular files") -> str:
    """Why a file of this `st_mode` (not a regular file) is not read: only `read` are."""
    what = next((name for test, name in _FILE_TYPES if test(mode)), "not a file")
    return f"not a regular file ({what}): only {read} are read"


def open_regular(path: str | Path) -> BinaryIO:
    """`path` opened for reading in binary, when it is a regular file (a link is followed);
    NotRegularFile for a device, FIFO, socket or folder, without blocking: the type is
    checked before opening and again on the open descriptor (opened non-blocking, so that a
    FIFO swapped in between cannot hang the open)."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotRegularFile(not_regular_reason(mode))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(not_regular_reason(mode))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_cap(kind: Kind, limits: ArchiveLimits) -> int:
    """Most bytes read from one input file of this kind (a `.fit.gz` is capped on what it
    expands to, see `read_input`)."""
    return {"zip": limits.max_total_bytes, "xml": limits.max_total_bytes,
            "csv": limits.max_export_bytes, "json": limits.max_export_bytes}.get(
        kind, limits.max_member_bytes)


@dataclass(frozen=True)
class FoundFile:
    """A file on disk that may hold FIT data, as seen by a directory walk."""

    path: str
    size_bytes: int
    mtime_ns: int
    kind: Kind


@dataclass(frozen=True)
class Member:
    """One FIT file taken out of an archive into the scratch folder, or why it could not be."""

    path: str  # display path: "<archive path>!<entry>[!<entry>...]"
    read_path: Path | None
    size_bytes: int
    kind: Kind
    error: str | None = None


def _kind_by_extension(name: str, kinds: tuple[Kind, ...]) -> Kind | None:
    """The first of `kinds` whose extension ends `name` (any case), or None."""
    lower = name.lower()
    return next((kind for kind in kinds if lower.endswith(f".{kind}")), None)


def fit_kind(name: str) -> Kind | None:
    """The kind of input a file name announces, or None for files to ignore."""
    return _kind_by_extension(name, ("fit", "fit.gz", "zip"))


def _base_name(path: str) -> str:
    """The file name of a path, a zip member (`a.zip!x/y.json`) or an entry name."""
    return path.replace("\\", "/").rsplit("!", 1)[-1].rsplit("/", 1)[-1]


def health_kind(name: str) -> Kind | None:
    """`json` for a Garmin account-export file that is read (`schemas.garmin_export`),
    `xml` for an Apple Health export.xml (`schemas.apple_health`), else None. The name
    chooses the reader; the reader checks the content."""
    base = _base_name(name)
    if garmin_json_role(base) is not None:
        return "json"
    return "xml" if is_apple_export(base) else None


def activity_or_health_kind(name: str) -> Kind | None:
    """What the FIT inputs read: FIT files, zips, and the recovery and body-composition
    files of Garmin account and Apple Health exports."""
    return fit_kind(name) or health_kind(name)


#: Files that operating systems leave in folders and zips (macOS Finder and its zip tool,
#: Windows Explorer): never an input, not worth a word.
SYSTEM_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini", ".localized", "icon\r"})
SYSTEM_FOLDERS = frozenset({"__macosx", ".spotlight-v100", ".trashes", ".fseventsd"})


def is_system_file(name: str) -> bool:
    """Whether a path (or a zip entry name) is operating-system metadata: .DS_Store,
    AppleDouble `._x` files, anything under __MACOSX/, Thumbs.db, desktop.ini."""
    parts = name.replace("\\", "/").lower().split("/")
    return (parts[-1] in SYSTEM_NAMES or parts[-1].startswith("._")
            or any(p in SYSTEM_FOLDERS for p in parts[:-1]))


#: What a user can do about a file found among FIT inputs that is not FIT, by its type.
_EXPORT_ORIGINAL = "is not read: export the original FIT file of the activity instead"
NOT_FIT_ADVICE = {
    "GPX": f"GPX {_EXPORT_ORIGINAL}",
    "TCX": f"TCX {_EXPORT_ORIGINAL}",
    "KML": f"KML {_EXPORT_ORIGINAL}",
    "PWX": f"PWX {_EXPORT_ORIGINAL}",
    "CSV": "CSV is not read as FIT: a food or weight export belongs under "
           "[[athletes.nutrition]] (or ingest --nutrition)",
}


def not_fit_type(path: str) -> str:
    """The type of a file that is not FIT, from its name: `GPX`, `TCX`, ... (a `.gz` of one
    is that type), `no extension` when the name has none."""
    name = path.replace("\\", "/").rsplit("!", 1)[-1].rsplit("/", 1)[-1].lower()
    if name.endswith(".gz") and name.count(".") > 1:
        name = name[:-3]
    stem, dot, extension = name.rpartition(".")
    return extension.upper() if dot and stem and extension else "no extension"


#: JSON and XML in an export zip are the account data of a Garmin export; elsewhere, some
#: app's data.
_DATA_TYPES = ("JSON", "XML")


def not_fit_advice(file_type: str, in_archive: bool = False, path: str = "") -> str:
    """What to do about a file of this type found among the FIT inputs (in a zip, or in a
    folder); a file of a Garmin or Apple export that is known but not used says so."""
    known = garmin_not_used(_base_name(path)) or apple_not_used(_base_name(path))
    if known:
        return f"recognised, not used: {known}"
    if file_type in _DATA_TYPES:
        source = "Garmin account data" if in_archive else "app data"
        return f"{file_type} is not read ({source}, not activities): nothing to do"
    what = "A file without an extension" if file_type == "no extension" else file_type
    return NOT_FIT_ADVICE.get(file_type, f"{what} is not read: not a FIT file (.fit, .fit.gz "
                              "or a .zip of them)")


def csv_kind(name: str) -> Kind | None:
    """The kind of nutrition input a file name announces (CSV exports, or a zip of them)."""
    return _kind_by_extension(name, ("csv", "zip"))


def find_files(
    paths: Iterable[Path], kind_of: KindOf = fit_kind, default: Kind = "fit",
    unread: list[str] | None = None,
) -> tuple[list[FoundFile], list[tuple[str, str]]]:
    """Walk the given paths; return the input files found and the paths that could not be read.

    A path named explicitly is taken whatever its extension (as `default` when the name
    says nothing, so a mis-named file is still tried and quarantined with a reason); inside
    folders only names `kind_of` recognises are taken, and the others are appended to
    `unread` when given; operating-system files (`is_system_file`) are passed over. Results
    are sorted by path so every run sees the same order.
    """
    found: dict[str, FoundFile] = {}
    problems: list[tuple[str, str]] = []
    for root in paths:
        root = Path(root).expanduser()
        try:
            st = root.stat()
        except OSError as exc:
            problems.append((str(root), f"cannot read: {exc.strerror or exc}"))
            continue
        if stat.S_ISDIR(st.st_mode):
            _walk(root, found, problems, kind_of, unread)
        elif not stat.S_ISREG(st.st_mode):
            problems.append((str(root), not_regular_reason(st.st_mode)))
        else:
            kind = kind_of(root.name) or default
            found[str(root.resolve())] = FoundFile(
                str(root.resolve()), st.st_size, st.st_mtime_ns, kind
            )
    return [found[k] for k in sorted(found)], problems


def _walk(folder: Path, found: dict[str, FoundFile], problems: list[tuple[str, str]],
          kind_of: KindOf, unread: list[str] | None = None) -> None:
    stack = [folder.resolve()]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError as exc:
            problems.append((str(current), f"cannot list folder: {exc.strerror or exc}"))
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                    continue
                if is_system_file(entry.path):  # e.g. ._run.fit, macOS metadata, no FIT
                    continue
                kind = kind_of(entry.name)
                if kind is None:
                    if unread is not None and entry.is_file():
                        unread.append(entry.path)
                    continue
                st = entry.stat()
            except OSError as exc:
                problems.append((entry.path, f"cannot read: {exc.strerror or exc}"))
                continue
            if not stat.S_ISREG(st.st_mode):  # a device, FIFO or socket named like an input
                problems.append((entry.path, not_regular_reason(st.st_mode)))
                continue
            found[entry.path] = FoundFile(entry.path, st.st_size, st.st_mtime_ns, kind)


def read_input(path: str | Path, kind: Kind, limits: ArchiveLimits = ArchiveLimits()) -> bytes:
    """The bytes of a regular input file (the FIT bytes inside a `.fit.gz`), read once and
    within the size limit of its kind (`read_cap`): a file that grows while it is read
    cannot be read forever. NotRegularFile for a device, FIFO or socket."""
    with open_regular(path) as raw:
        return _read_open(raw, path, kind, limits)


def _read_open(raw: BinaryIO, path: str | Path, kind: Kind, limits: ArchiveLimits) -> bytes:
    if kind == "fit.gz":
        with gzip.GzipFile(fileobj=raw, mode="rb") as fh:
            return _read_limited(fh, _gzip_cap(raw, limits), str(path), kind)
    return _read_limited(raw, read_cap(kind, limits), str(path), kind)


#: What is said of a file whose content changed between the plan and the read.
CHANGED_WHILE_READ = "changed while it was read; read again next run"


class ChangedWhileRead(Exception):
    """A file's bytes are not those the plan hashed (or its size or time changed while it
    was read): it is read again by the next run, and nothing of it is recorded now."""

    def __init__(self) -> None:
        super().__init__(CHANGED_WHILE_READ)


def read_again_reason(exc: BaseException) -> str | None:
    """Why reading an input failed for now, when it is not the file's fault (it changed
    while it was read, or an I/O error): nothing of it is recorded and the next run reads
    it again. None when the file itself is at fault."""
    if isinstance(exc, ChangedWhileRead):
        return str(exc)
    if isinstance(exc, OSError):
        return f"cannot read now: {type(exc).__name__}: {exc}; read again next run"
    return None


def read_unchanged(path: str | Path, kind: Kind, limits: ArchiveLimits, sha256: str,
                   seen: tuple[int, int] | None = None) -> bytes:
    """The bytes of a regular file, read once (`read_input`), that hash to `sha256`; with
    `seen` = (size, mtime_ns) as the walk saw them, the open file must still have that
    size and time before and after the read. The caller parses these bytes, never the file
    again, so what is loaded is what was hashed. ChangedWhileRead otherwise."""
    with open_regular(path) as raw:
        before = os.fstat(raw.fileno())
        data = _read_open(raw, path, kind, limits)
        after = os.fstat(raw.fileno())
    stats = {(st.st_size, st.st_mtime_ns) for st in (before, after)}
    if seen is not None:
        stats.add(seen)
    if len(stats) > 1 or hashlib.sha256(data).hexdigest() != sha256:
        raise ChangedWhileRead
    return data


def unchanged_since(path: str | Path, seen: tuple[int, int]) -> bool:
    """Whether `path` still has the (size, mtime_ns) the walk saw."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == seen


def _gzip_cap(raw: BinaryIO, limits: ArchiveLimits) -> int:
    """Most bytes a .fit.gz (open as `raw`) may expand to: the ratio limit, within the
    one-file limit."""
    return min(limits.max_member_bytes, max(os.fstat(raw.fileno()).st_size * limits.max_ratio,
                                            _READ_CHUNK))


_ONE = {"csv": "one export", "zip": "one archive"}


def _read_limited(fh, max_bytes: int, label: str, kind: Kind = "fit",
                  digest: hashlib._Hash | None = None) -> bytes:
    """Everything `fh` gives, up to `max_bytes` (ArchiveRefused past it); with `digest`, the
    bytes are hashed as they come and not kept (b"" is returned)."""
    chunks: list[bytes] = []
    total = 0
    while chunk := fh.read(_READ_CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise ArchiveRefused(f"{label}: more than {max_bytes:,} bytes, over the limit for "
                                 f"{_ONE.get(kind, 'one FIT file')}")
        if digest is None:
            chunks.append(chunk)
        else:
            digest.update(chunk)
    return b"".join(chunks)


def content_sha256(path: str | Path, kind: Kind, limits: ArchiveLimits = ArchiveLimits()) -> str:
    """Hex sha256 of a file's content: its bytes, or for `.fit.gz` the FIT bytes inside.

    Hashing the decompressed bytes makes the same activity as `.fit` and `.fit.gz` one
    content. Raises ArchiveRefused past the size limits (`read_cap`), NotRegularFile for a
    device, FIFO or socket, OSError/EOFError on bad gzip data.
    """
    digest = hashlib.sha256()
    with open_regular(path) as raw:
        if kind == "fit.gz":
            cap = _gzip_cap(raw, limits)
            try:
                with gzip.GzipFile(fileobj=raw, mode="rb") as fh:
                    _read_limited(fh, cap, str(path), kind, digest)
            except ArchiveRefused:
                raise ArchiveRefused(f"{path}: expands beyond {cap:,} bytes (gzip bomb)"
                                     ) from None
        else:
            _read_limited(raw, read_cap(kind, limits), str(path), kind, digest)
    return digest.hexdigest()


def _check_entry_name(archive: str, name: str) -> None:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise ArchiveRefused(f"{archive}: entry {name!r} has an absolute path (zip slip)")
    if ".." in pure.parts:
        raise ArchiveRefused(f"{archive}: entry {name!r} climbs out of the archive with '..' "
                             "(zip slip)")


@dataclass
class _Budget:
    limits: ArchiveLimits
    bytes_left: int
    entries_left: int
    counter: int = 0

    def take_entry(self, archive: str) -> None:
        self.entries_left -= 1
        if self.entries_left < 0:
            raise ArchiveRefused(
                f"{archive}: more than {self.limits.max_entries:,} entries (zip bomb limit)"
            )


def is_io_error(exc: BaseException) -> bool:
    """Whether `exc` is an error of the disk or the system (it carries an errno: EIO, ENOSPC,
    ENOENT, ...), which may pass, rather than of the bytes read (bz2's "Invalid data stream"
    is an OSError without an errno)."""
    return isinstance(exc, OSError) and exc.errno is not None


def open_archive(path: str, scratch: Path, limits: ArchiveLimits = ArchiveLimits(),
                 kind_of: KindOf = fit_kind, unread: list[str] | None = None) -> list[Member]:
    """Take every member `kind_of` wants out of a zip (and the zips inside it) into `scratch`;
    the display paths of the other members go to `unread` when given; operating-system
    files (`is_system_file`) are passed over.

    Raises ArchiveRefused, naming the archive and the entry, when an entry name is absolute
    or climbs with `..`, when the archive (nested ones included) holds too many entries or
    expands beyond the size limit, when one entry expands beyond the compression-ratio limit,
    or when nesting goes deeper than allowed. On refusal nothing of the archive is used.
    An I/O error (`is_io_error`: the disk, not the archive: a failing read, a full scratch
    disk, the file gone) is raised as it is; a damaged entry is a Member with its error.
    """
    budget = _Budget(limits, limits.max_total_bytes, limits.max_entries)
    scratch.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        with open_regular(path) as raw, zipfile.ZipFile(raw) as archive:
            members = list(_extract(archive, path, scratch, budget, 1, kind_of, unread))
    except (ArchiveRefused, NotRegularFile):
        raise
    except OSError as exc:
        if is_io_error(exc):
            raise
        raise ArchiveRefused(f"{path}: cannot read the archive ({exc})") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise ArchiveRefused(f"{path}: not a readable zip file ({exc})") from exc
    except Exception as exc:  # a damaged directory, an unsupported feature, ...
        raise ArchiveRefused(f"{path}: cannot read the archive ({type(exc).__name__}: {exc})"
                             ) from exc
    return members


def _extract(
    archive: zipfile.ZipFile, label: str, scratch: Path, budget: _Budget, depth: int,
    kind_of: KindOf, unread: list[str] | None = None,
) -> Iterator[Member]:
    if depth > budget.limits.max_depth:
        raise ArchiveRefused(
            f"{label}: archives nested deeper than {budget.limits.max_depth} levels"
        )
    infos = archive.infolist()
    for info in infos:  # names are checked before any byte is read
        _check_entry_name(label, info.filename)
        budget.take_entry(label)
    for info in sorted(infos, key=lambda i: i.filename):
        if info.is_dir():
            continue
        if is_system_file(info.filename):  # __MACOSX/._run.fit holds metadata, no FIT
            continue
        kind = kind_of(info.filename)
        if kind is None:
            if unread is not None:
                unread.append(f"{label}!{info.filename}")
            continue
        entry_label = f"{label}!{info.filename}"
        budget.counter += 1
        target = scratch / f"{budget.counter:07d}.{kind}"
        try:
            _copy_member(archive, info, entry_label, target, budget, kind)
        except ArchiveRefused:
            raise
        except Exception as exc:  # corrupt data, encryption, unsupported compression
            target.unlink(missing_ok=True)
            if is_io_error(exc):  # the disk, not the entry: the caller opens it again later
                raise
            yield Member(entry_label, None, info.file_size, kind,
                         f"cannot read entry ({type(exc).__name__}: {exc})")
            continue
        if kind == "zip":
            try:
                with zipfile.ZipFile(target) as inner:
                    yield from _extract(inner, entry_label, scratch, budget, depth + 1, kind_of,
                                        unread)
            except zipfile.BadZipFile as exc:
                raise ArchiveRefused(f"{entry_label}: not a readable zip file ({exc})") from exc
            budget.bytes_left += target.stat().st_size  # only its members count
            target.unlink()
        else:
            yield Member(entry_label, target, target.stat().st_size, kind)


def _copy_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, target: Path, budget: _Budget,
    kind: Kind = "fit",
) -> None:
    limits = budget.limits
    ratio_cap = max(info.compress_size, 1) * limits.max_ratio
    member_cap = (limits.max_member_bytes if kind in ("fit", "fit.gz", "zip")
                  else read_cap(kind, limits))  # an Apple export.xml reaches 4 GB
    if info.file_size > member_cap or info.file_size > budget.bytes_left:
        raise ArchiveRefused(f"{label}: declares {info.file_size:,} bytes, over the size limit")
    written = 0
    with archive.open(info) as src, open(target, "wb") as dst:
        while chunk := src.read(_READ_CHUNK):
            written += len(chunk)
            if written > ratio_cap and written > _READ_CHUNK:
                raise ArchiveRefused(
                    f"{label}: expands more than {limits.max_ratio}x its compressed size "
                    "(zip bomb)"
                )
            if written > member_cap or written > budget.bytes_left:
                raise ArchiveRefused(f"{label}: expands beyond the archive size limit (zip bomb)")
            dst.write(chunk)
    budget.bytes_left -= written


def scratch_folder(warehouse: Path) -> Path:
    """A new private scratch folder name beside the warehouse, named after it (so a run
    clears only its own warehouse's leftovers, not another's in the same folder)."""
    warehouse = Path(warehouse).resolve()
    return warehouse.parent / f".scratch-{warehouse.name}-{uuid.uuid4().hex[:12]}"


def remove_stale_scratch(warehouse: Path) -> None:
    """Delete scratch folders a killed run left beside the warehouse (extracted health
    data must not linger). Call only while holding the warehouse's run lock."""
    warehouse = Path(warehouse).resolve()
    pattern = f".scratch-{glob.escape(warehouse.name)}-*"
    for folder in warehouse.parent.glob(pattern):
        shutil.rmtree(folder, ignore_errors=True)
