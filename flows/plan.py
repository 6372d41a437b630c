"""The incremental plan of an ingest, one for FIT files and for nutrition exports.

`decide(found, manifest, policy)` is pure: from the files a walk found (with what reading
them gave so far), what the warehouse knows (`warehouse.manifest.Manifest`) and what
differs between the two kinds of input (`Policy`), it says which paths are unchanged,
which contents to load, which are known already, which cannot be read now and which are
quarantined. `plan_inputs` does the I/O around it: it hashes the files `decide` asks for,
opens the archives it asks for, and asks again until nothing is left to read.

One rule for what cannot be read, for both kinds of input:

- a file or member that cannot be read *now* (an I/O error, written to while it was read)
  is a problem: nothing of it is recorded and the next run reads it again;
- an archive that is refused (a safety limit, not a readable zip) and a damaged member of
  an archive (bad CRC, encrypted, unsupported compression) do not heal on their own: they
  are quarantined with the reason, keyed by content (a member by its archive's content and
  its name). Later runs skip them and count them (`known_quarantined`); another content at
  the path (a new sha256) is read, and `--retry-quarantined` reads them again.

A path whose size and modification time are those of the last run is not read: a content
changed without either is seen by `backfill` (`Retry.every_path`), which hashes every path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from flows.sources import (
    CHANGED_WHILE_READ,
    ArchiveLimits,
    ArchiveRefused,
    FoundFile,
    Kind,
    KindOf,
    Member,
    content_sha256,
    find_files,
    open_archive,
    unchanged_since,
)
from warehouse.manifest import LOADED, PARTIAL, QUARANTINED, Manifest, SourceFile, SourcePath


@dataclass(frozen=True)
class Policy:
    """What differs between FIT files and nutrition exports, and nothing else."""

    kind_of: KindOf  # which file and member names are inputs
    default_kind: Kind  # a file named explicitly whose name announces no kind
    supersede: bool  # a path's new content drops its old one (FIT); exports replace days
    note_unread: bool  # collect the names of archive members that are not inputs


@dataclass(frozen=True)
class Retry:
    """What a run reads again although the manifest knows it."""

    quarantined: bool = False  # quarantined contents, and archives that hold one
    every_path: bool = False  # a backfill: hash every path, open every archive
    contents: frozenset[str] = frozenset()  # known contents to load again (a backfill)


@dataclass(frozen=True)
class Entry:
    """A member taken out of an archive, with its hash or why it cannot be hashed now."""

    member: Member  # member.error: the entry itself is damaged (quarantined)
    sha256: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Archive:
    """What opening an archive gave: its members, or why it is refused."""

    entries: tuple[Entry, ...] = ()
    refused: str | None = None  # broke a safety limit, or no readable zip: quarantined
    changed: bool = False  # written to while it was opened: read again next run
    unread: tuple[str, ...] = ()  # members that are not inputs (with Policy.note_unread)


@dataclass(frozen=True)
class Found:
    """A file the walk found, and what reading it gave so far (None: not read yet)."""

    file: FoundFile
    origin: str | None = None  # where its path was named: config or command_line
    source: int = 0  # which of the caller's sources it was found under
    sha256: str | None = None
    problem: str | None = None  # cannot be read now: read again next run
    archive: Archive | None = None


@dataclass(frozen=True)
class WorkItem:
    """A content to load, with what must be committed alongside it."""

    path: str
    read_path: str  # where its bytes are (a member: its copy in the scratch folder)
    kind: Kind
    size_bytes: int
    sha256: str
    container_sha256: str | None = None
    path_row: SourcePath | None = None
    replace: tuple[str, ...] = ()  # earlier contents of the same path that this one replaces
    again: bool = False  # known, loaded again by a backfill
    source: int = 0  # which of the caller's sources it was found under


@dataclass
class IngestPlan:
    """What one athlete's ingest must do."""

    athlete_id: str
    work: list[WorkItem] = field(default_factory=list)  # contents to load, once each
    unchanged: list[str] = field(default_factory=list)  # paths with last run's size and time
    known: list[str] = field(default_factory=list)  # paths whose content is known or queued
    #: Contents quarantined by an earlier run among those skipped (each member counts).
    known_quarantined: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    problems: list[tuple[str, str]] = field(default_factory=list)  # read again next run
    path_rows: list[SourcePath] = field(default_factory=list)
    archive_rows: list[SourceFile] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)  # contents no path provides any more
    unread_in_archives: dict[str, list[str]] = field(default_factory=dict)  # archive: members
    to_read: list[str] = field(default_factory=list)  # to hash or open before it is final

    @property
    def skipped(self) -> int:
        """Paths not loaded because nothing in them is new."""
        return len(self.unchanged) + len(self.known)


def member_key(archive_sha256: str, member_path: str) -> str:
    """The key of a damaged member, whose bytes cannot be hashed: its archive's content and
    its name (another archive content gives another key, and is read again)."""
    return hashlib.sha256(f"{archive_sha256}!{member_path}".encode()).hexdigest()


def decide(found: list[Found], manifest: Manifest, policy: Policy,
           retry: Retry = Retry()) -> IngestPlan:
    """The plan for `found` as far as it is read: files still to hash and archives still to
    open go to `to_read` (the plan is final when it is empty). Pure: no file, no database."""
    plan = IngestPlan(manifest.athlete_id)
    candidates: list[WorkItem] = []
    for f in found:
        file = f.file
        before = manifest.paths.get(file.path)
        if (before is not None and not retry.every_path
                and (before.size_bytes, before.mtime_ns) == (file.size_bytes, file.mtime_ns)
                and not (retry.quarantined and before.sha256 in manifest.quarantined)):
            plan.unchanged.append(file.path)
            plan.known_quarantined += manifest.quarantined.get(before.sha256, 0)
        elif f.problem is not None:
            plan.problems.append((file.path, f.problem))
        elif f.sha256 is None:
            plan.to_read.append(file.path)
        elif file.kind == "zip":
            candidates += _archive(plan, f, f.sha256, manifest, policy, retry)
        else:
            candidates.append(WorkItem(
                file.path, file.path, file.kind, file.size_bytes, f.sha256,
                path_row=_path_row(manifest, f, file, f.sha256),
                replace=_replaced(manifest, policy, before, f.sha256), source=f.source))
    _keep_new(plan, candidates, manifest, retry)
    return plan


def _path_row(manifest: Manifest, f: Found, file: FoundFile | Member, sha: str) -> SourcePath:
    return SourcePath(manifest.athlete_id, file.path, file.size_bytes, f.file.mtime_ns, sha,
                      file.kind, f.origin)


def _replaced(manifest: Manifest, policy: Policy, before: SourcePath | None,
              sha: str) -> tuple[str, ...]:
    """The content a path held before, when it changed and no other path still holds it."""
    if not policy.supersede or before is None or before.sha256 == sha:
        return ()
    return () if manifest.held_elsewhere(before.sha256, before.path) else (before.sha256,)


def _archive(plan: IngestPlan, f: Found, sha: str, manifest: Manifest, policy: Policy,
             retry: Retry) -> list[WorkItem]:
    """The members of a new (or retried) archive as work; a refused archive and a damaged
    member are quarantined; a member that cannot be hashed now leaves the archive unrecorded,
    so the next run opens it again."""
    file, athlete = f.file, manifest.athlete_id
    row = _path_row(manifest, f, file, sha)
    again = retry.every_path or (retry.quarantined and sha in manifest.quarantined)
    if sha in manifest.contents and not again:
        plan.known.append(file.path)
        plan.known_quarantined += manifest.quarantined.get(sha, 0)
        plan.path_rows.append(row)
        return []
    if f.archive is None:
        plan.to_read.append(file.path)
        return []
    if f.archive.refused is not None:
        plan.quarantined.append((file.path, f.archive.refused))
        plan.archive_rows.append(SourceFile(athlete, sha, file.path, file.size_bytes, "zip",
                                            QUARANTINED, f.archive.refused))
        plan.path_rows.append(row)
        return []
    if f.archive.changed:
        plan.problems.append((file.path, CHANGED_WHILE_READ))
        return []
    if policy.note_unread:
        plan.unread_in_archives[file.path] = list(f.archive.unread)
    items, complete = [], True
    for entry in f.archive.entries:
        m = entry.member
        if m.error is not None or m.read_path is None:
            reason = m.error or "cannot read entry"
            plan.quarantined.append((m.path, reason))
            plan.archive_rows.append(SourceFile(athlete, member_key(sha, m.path), m.path,
                                                m.size_bytes, m.kind, QUARANTINED, reason, sha))
        elif entry.sha256 is None:
            plan.problems.append((m.path, entry.problem or "cannot read"))
            complete = False
        else:
            items.append(WorkItem(
                m.path, str(m.read_path), m.kind, m.size_bytes, entry.sha256, sha,
                _path_row(manifest, f, m, entry.sha256),
                _replaced(manifest, policy, manifest.paths.get(m.path), entry.sha256),
                source=f.source))
    if complete:
        plan.archive_rows.append(SourceFile(athlete, sha, file.path, file.size_bytes, "zip",
                                            LOADED))
        plan.path_rows.append(row)
    return items


def _keep_new(plan: IngestPlan, candidates: list[WorkItem], manifest: Manifest,
              retry: Retry) -> None:
    """Queue the contents the warehouse lacks (once each), the quarantined ones when they are
    retried and those a backfill loads again; the others only record their path."""
    queued: set[str] = set()
    for item in candidates:
        known = manifest.contents.get(item.sha256)
        again = known is not None and item.sha256 in retry.contents
        if item.sha256 in queued or (
                known is not None and not again
                and not (known == QUARANTINED and retry.quarantined)):
            plan.known.append(item.path)
            if item.sha256 not in queued:
                plan.known_quarantined += known == QUARANTINED
            if item.path_row is not None:
                plan.path_rows.append(item.path_row)
            plan.superseded.extend(item.replace)
            continue
        queued.add(item.sha256)
        plan.work.append(replace(item, again=again and known in (LOADED, PARTIAL)))


# ------------------------------------------------------------------------------ reading


def list_inputs(paths: Iterable[Path], policy: Policy, origin: str | None = None,
                source: int = 0, unread: list[str] | None = None,
                ) -> tuple[list[Found], list[tuple[str, str]]]:
    """The input files under `paths` (stat only, see `find_files`), and the paths that could
    not be listed; files in folders that are not inputs go to `unread` when given."""
    files, problems = find_files(paths, policy.kind_of, policy.default_kind, unread)
    return [Found(f, origin, source) for f in files], problems


def plan_inputs(found: list[Found], manifest: Manifest, policy: Policy, retry: Retry,
                scratch: Path, limits: ArchiveLimits) -> IngestPlan:
    """The final plan: `decide`, then hash and open what it asks for, until it asks
    nothing (archives are taken out into `scratch`, which the caller removes)."""
    plan = decide(found, manifest, policy, retry)
    while plan.to_read:
        asked = set(plan.to_read)
        found = [_read(f, scratch, limits, policy) if f.file.path in asked else f
                 for f in found]
        plan = decide(found, manifest, policy, retry)
    return plan


def _cannot_read(exc: BaseException) -> str:
    return f"cannot read: {type(exc).__name__}: {exc}"


def _read(f: Found, scratch: Path, limits: ArchiveLimits, policy: Policy) -> Found:
    """`f` hashed, or (hashed already) opened as an archive."""
    if f.sha256 is None:
        try:
            return replace(f, sha256=content_sha256(f.file.path, f.file.kind, limits))
        except Exception as exc:  # unreadable now; what it gave before stays
            return replace(f, problem=_cannot_read(exc))
    unread: list[str] = []
    try:
        members = open_archive(f.file.path, scratch / f.sha256[:16], limits, policy.kind_of,
                               unread=unread if policy.note_unread else None)
    except ArchiveRefused as exc:
        return replace(f, archive=Archive(refused=str(exc)))
    except Exception as exc:  # gone, or not a regular file any more: not its content's fault
        return replace(f, problem=_cannot_read(exc))
    if not unchanged_since(f.file.path, (f.file.size_bytes, f.file.mtime_ns)):
        return replace(f, archive=Archive(changed=True))
    return replace(f, archive=Archive(tuple(_hashed(m, limits) for m in members),
                                      unread=tuple(unread)))


def _hashed(m: Member, limits: ArchiveLimits) -> Entry:
    if m.read_path is None:
        return Entry(m)
    try:
        return Entry(m, content_sha256(m.read_path, m.kind, limits))
    except Exception as exc:
        return Entry(m, problem=_cannot_read(exc))
