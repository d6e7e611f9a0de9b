"""The attribute scope cache: no database reads on a hit, cleared by a commit that changes
a template, never holding an unknown category."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from mall.catalog.models import CategoryAttribute
from mall.errors import BadRequest
from mall.search.scopes import scope_cache
from mall.search.services import attribute_scope
from tests.factories.catalog import LAPTOP_TEMPLATE, make_category


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    scope_cache.clear()
    yield
    scope_cache.clear()  # the test's categories are rolled back


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_c, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(session.get_bind(), "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", note)


def test_a_cached_scope_is_served_without_reading_the_database(db_session: Session) -> None:
    category = make_category(db_session, attributes=LAPTOP_TEMPLATE)
    db_session.commit()
    first = attribute_scope(db_session, category.code, cache_seconds=60)
    with _statements(db_session) as seen:
        again = attribute_scope(db_session, category.code, cache_seconds=60)
    assert again is first and seen == []
    assert set(first.known) == {a["key"] for a in LAPTOP_TEMPLATE}


def test_a_committed_template_change_clears_the_cache(db_session: Session) -> None:
    category = make_category(db_session, attributes=LAPTOP_TEMPLATE)
    db_session.commit()
    assert "weight_kg" not in attribute_scope(db_session, category.code, 60).known
    category.attributes.append(CategoryAttribute(
        key="weight_kg", name_zh="重量", name_en="Weight", type="number", unit="kg",
        facet=True, required=False, position=9))
    db_session.flush()
    # Not committed yet: other requests must not see it, the cache still holds the old scope.
    assert "weight_kg" not in attribute_scope(db_session, category.code, 60).known
    db_session.commit()
    scope = attribute_scope(db_session, category.code, 60)
    assert "weight_kg" in scope.known and "weight_kg" in {f.key for f in scope.facets}


def test_without_a_cache_every_call_reads(db_session: Session) -> None:
    category = make_category(db_session, attributes=LAPTOP_TEMPLATE)
    db_session.commit()
    attribute_scope(db_session, category.code, cache_seconds=0)
    with _statements(db_session) as seen:
        attribute_scope(db_session, category.code, cache_seconds=0)
    assert seen  # read again


def test_an_unknown_category_is_refused_every_time(db_session: Session) -> None:
    for _ in range(2):
        with pytest.raises(BadRequest) as refused:
            attribute_scope(db_session, "NO-SUCH", cache_seconds=60)
        assert refused.value.code == "unknown_category"
