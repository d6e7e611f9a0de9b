"""Open data: OCDS release and record packages, public and read-only.

``GET /api/v1/ocds/releases?since=&page=`` answers a release package of one page of
contracting processes (``links.next`` while more follow); ``GET /api/v1/ocds/records/<ocid>``
answers a record package with the compiled release.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for

from mall.accounts.permissions import public
from mall.apidoc import documented
from mall.db import db
from mall.errors import BadRequest, NotFound
from mall.http import page_args
from mall.ocds import services
from mall.ocds.schemas import RecordPackageSchema, ReleasePackageSchema, ReleasesQuerySchema

api = Blueprint("ocds_api", __name__, url_prefix="/api/v1/ocds")


def _prefix() -> str:
    return str(current_app.config["MALL"].ocds_prefix)


def _since() -> datetime | None:
    raw = request.args.get("since", "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest("since must be an ISO 8601 date or date-time, like "
                         "2026-01-31T08:00:00Z.", code="invalid_since",
                         details={"field": "since", "value": raw[:64]}) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@api.get("/releases")
@documented(query=ReleasesQuerySchema, responses={200: ReleasePackageSchema}, paginated=True)
@public
def releases() -> Any:
    """A release package: the releases of one page of contracting processes.

    ``per_page`` (default 20, at most 100) counts processes; a process's releases are never
    split over two pages. ``since`` keeps the releases dated at or after it.
    """
    since = _since()
    page, per_page = page_args()
    session = db.session()
    found, more = services.releases_page(session, _prefix(), since, page, per_page)
    args: dict[str, Any] = {"page": page, "per_page": per_page,
            **({"since": request.args["since"]} if since else {})}
    body = services.package_metadata(
        session, url_for("ocds_api.releases", _external=True, **args))
    body["releases"] = found
    if more:
        body["links"] = {"next": url_for("ocds_api.releases", _external=True,
                                         **{**args, "page": page + 1})}
    return jsonify(body)


@api.get("/records/<path:ocid>")
@documented(responses={200: RecordPackageSchema})
@public
def record(ocid: str) -> Any:
    """A record package: one contracting process's releases and its compiled release."""
    session = db.session()
    found = services.process_releases(session, _prefix(), ocid)
    if not found:
        raise NotFound(f"No contracting process has the ocid {ocid[:100]!r}.",
                       code="ocid_not_found", details={"ocid": ocid[:100]})
    body = services.package_metadata(
        session, url_for("ocds_api.record", ocid=ocid, _external=True))
    body["records"] = [services.compile_record(ocid, found)]
    return jsonify(body)
