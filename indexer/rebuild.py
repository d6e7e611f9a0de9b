"""Full rebuild into a fresh index, then one atomic alias swap."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from opensearchpy import OpenSearch, helpers
from sqlalchemy.orm import Session

from indexer.offers import count_visible, stream_visible_offers
from mall.search.documents import build_document
from mall.search.index import index_body, new_index_name

log = logging.getLogger(__name__)


@dataclass
class RebuildResult:
    index: str
    documents: int
    previous: list[str]


def _actions(session: Session, index: str, today: date) -> Iterator[dict[str, Any]]:
    for offer in stream_visible_offers(session, today):
        yield {
            "_op_type": "index",
            "_index": index,
            "_id": str(offer.id),
            "_source": build_document(offer),
            # External versions: a later sync of an older event can never overwrite this.
            "version": offer.version,
            "version_type": "external_gte",
        }


def rebuild(
    client: OpenSearch,
    session: Session,
    alias: str,
    today: date,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = 1000,
) -> RebuildResult:
    """Build a new index from the database and point ``alias`` at it.

    On any failure the half-built index is deleted and the alias is left untouched.
    """
    name = new_index_name(alias)
    total = count_visible(session, today)
    # Load fast: no refreshes, no replicas; restored before the index goes live.
    client.indices.create(index=name, body=index_body(replicas=0, refresh_interval="-1"))
    done = 0
    try:
        for ok, _item in helpers.streaming_bulk(
            client, _actions(session, name, today), chunk_size=chunk_size,
            max_retries=3, initial_backoff=1, raise_on_error=True, request_timeout=120,
        ):
            if ok:
                done += 1
            if progress and done % chunk_size == 0:
                progress(done, total)
        if progress:
            progress(done, total)
        client.indices.put_settings(index=name, body={"index": {"refresh_interval": "1s",
                                                                "number_of_replicas": 0}})
        client.indices.refresh(index=name)
        previous = _swap_alias(client, alias, name)
    except BaseException:
        log.exception("rebuild failed; deleting %s, alias %s untouched", name, alias)
        client.indices.delete(index=name, ignore_unavailable=True)
        raise
    for old in previous:
        client.indices.delete(index=old, ignore_unavailable=True)
    return RebuildResult(index=name, documents=done, previous=previous)


def _swap_alias(client: OpenSearch, alias: str, new_index: str) -> list[str]:
    try:
        previous = sorted(client.indices.get_alias(name=alias).keys())
    except Exception:  # NotFoundError: the first build has no alias yet
        previous = []
    actions: list[dict[str, Any]] = [{"remove": {"index": old, "alias": alias}}
                                     for old in previous]
    actions.append({"add": {"index": new_index, "alias": alias, "is_write_index": True}})
    client.indices.update_aliases(body={"actions": actions})
    return previous


def current_mapping_version(client: OpenSearch, alias: str) -> int | None:
    """The mapping version of the index behind ``alias``, or None when there is none."""
    try:
        mappings = client.indices.get_mapping(index=alias)
    except Exception:  # NotFoundError: no alias yet
        return None
    versions = [m["mappings"].get("_meta", {}).get("mapping_version")
                for m in mappings.values()]
    return versions[0] if len(versions) == 1 else None
