"""Open contracting data: the stored procurement facts published as OCDS 1.1 packages.

- ``releases_page``: the releases of one page of processes, in a stable order (process kind,
  then key), filtered to releases dated at or after ``since``;
- ``record``: the releases of one process and its compiled release;
- ``write_release_package``: every release, streamed to a file in constant memory.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Select, literal, select, union_all
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, OrganizationKind
from mall.ocds.services.builders import Release, timestamp
from mall.ocds.services.processes import KINDS

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"
OCDS_VERSION = "1.1"
DEFAULT_PUBLISHER = "Government e-mall"
# Processes per API page, and per batch of the export.
PER_PAGE = 50
EXPORT_BATCH = 200


def publisher(session: Session) -> dict[str, str]:
    """The procurement center publishes; its name when the deployment has one."""
    name = session.scalar(select(Organization.name).where(
        Organization.kind == OrganizationKind.center).order_by(Organization.id).limit(1))
    return {"name": name or DEFAULT_PUBLISHER}


def package_metadata(session: Session, uri: str, now: datetime | None = None) -> dict[str, Any]:
    return {"uri": uri, "version": OCDS_VERSION,
            "publishedDate": timestamp(now or datetime.now(UTC)),
            "publisher": publisher(session)}


def _activity(since: datetime | None) -> Select[Any]:
    """(kind position, key) of every process with a release at or after ``since``."""
    parts = []
    for position, kind in enumerate(KINDS.values()):
        activity = kind.activity().subquery()
        part = select(literal(position).label("kind"), activity.c.key.label("key"))
        if since is not None:
            part = part.where(activity.c.at >= since)
        parts.append(part)
    return select(union_all(*parts).subquery())


def _build(session: Session, prefix: str, keys: Sequence[tuple[int, int]],
           since: datetime | None) -> list[Release]:
    """The releases of (kind position, key) processes, in that order."""
    kinds = list(KINDS.values())
    built: dict[tuple[int, int], list[Release]] = {}
    for position, kind in enumerate(kinds):
        wanted = [key for p, key in keys if p == position]
        if wanted:
            for key, releases in kind.build(session, prefix, wanted):
                built[(position, key)] = releases
    out = []
    for process in keys:
        for release in built.get(process, []):
            if since is None or datetime.fromisoformat(release["date"]) >= since:
                out.append(release)
    return out


def releases_page(session: Session, prefix: str, since: datetime | None, page: int,
                  per_page: int = PER_PAGE) -> tuple[list[Release], bool]:
    """The releases of one page of processes, and whether another page follows.

    A page holds the releases of up to ``per_page`` contracting processes (a process's
    releases are never split over two pages).
    """
    query = _activity(since)
    rows = session.execute(query.order_by(query.selected_columns.kind,
                                          query.selected_columns.key)
                           .limit(per_page + 1).offset((page - 1) * per_page)).all()
    keys = [(int(kind), int(key)) for kind, key in rows[:per_page]]
    return _build(session, prefix, keys, since), len(rows) > per_page


def parse_ocid(prefix: str, ocid: str) -> tuple[int, int] | None:
    """(kind position, key) of one of our ocids, None for any other string."""
    head = f"{prefix}-"
    if not ocid.startswith(head):
        return None
    code, _, key = ocid[len(head):].rpartition("-")
    codes = list(KINDS)
    if code not in codes or not key.isdigit() or len(key) > 18:
        return None
    return codes.index(code), int(key)


def process_releases(session: Session, prefix: str, ocid: str) -> list[Release]:
    """The releases of one published process, oldest first; [] when there is none."""
    parsed = parse_ocid(prefix, ocid)
    if parsed is None:
        return []
    position, key = parsed
    kind = list(KINDS.values())[position]
    activity = kind.activity().subquery()
    if session.scalar(select(activity.c.key).where(activity.c.key == key)) is None:
        return []  # not published (a requisition never ordered, say)
    releases = _build(session, prefix, [parsed], None)
    return sorted(releases, key=lambda r: (datetime.fromisoformat(r["date"]), r["id"]))


@functools.cache
def _merger() -> Any:
    import ocdsmerge

    schema = json.loads((SCHEMA_DIR / "release-schema.json").read_text())
    return ocdsmerge.Merger(schema=schema)


def compile_record(ocid: str, releases: list[Release]) -> dict[str, Any]:
    """A record: the releases and the compiled release (merged with OCDS's merge rules)."""
    return {"ocid": ocid, "releases": releases,
            "compiledRelease": _merger().create_compiled_release(releases)}


def iter_releases(session: Session, prefix: str, batch: int = EXPORT_BATCH,
                  free_memory: bool = False) -> Iterator[Release]:
    """Every release, in the API's order, a batch of processes at a time.

    Keys are read by keyset (``key > last``), so no batch holds more than ``batch`` processes'
    rows; ``free_memory`` empties the session's identity map after each batch (a session of
    its own, as the export command uses).
    """
    for position, kind in enumerate(KINDS.values()):
        activity = kind.activity().subquery()
        last = None
        while True:
            query = select(activity.c.key).order_by(activity.c.key).limit(batch)
            if last is not None:
                query = query.where(activity.c.key > last)
            keys = [int(k) for k in session.scalars(query)]
            if not keys:
                break
            yield from _build(session, prefix, [(position, k) for k in keys], None)
            last = keys[-1]
            if free_memory:
                session.expunge_all()


def write_release_package(session: Session, out: IO[str], prefix: str, uri: str,
                          now: datetime | None = None, free_memory: bool = False) -> int:
    """Write a release package of everything to ``out``, one release at a time.

    The package's metadata is written first and the ``releases`` array is closed last, so
    memory holds one batch of processes, never the whole package. Returns the release count.
    """
    head = json.dumps(package_metadata(session, uri, now), ensure_ascii=False)
    out.write(head[:-1] + ', "releases": [')
    count = 0
    for release in iter_releases(session, prefix, free_memory=free_memory):
        out.write(("\n" if count == 0 else ",\n") + json.dumps(release, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count
