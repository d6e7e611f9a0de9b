"""Pinyin queries ("bijiben", "lianxiang", "bjb") and laptops above paper notebooks.

Pure tests of the pinyin helpers and the query builder, then the real engine over the
relevance catalog plus a few offers written the way suppliers write them: laptops whose
titles never say 笔记本电脑, paper notebooks whose titles repeat 笔记本.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from opensearchpy import OpenSearch
from sqlalchemy.orm import Session

from mall.search import pinyin
from mall.search.documents import build_document
from mall.search.query import build_search_body, pinyin_variant
from tests.factories.catalog import make_offer
from tests.search.relevance_data import LAPTOP, NOTEBOOK, Catalog
from tests.support import index_offers


def _fields(body: dict[str, Any]) -> str:
    return repr(body["query"])


# --- pure -----------------------------------------------------------------------------------

def test_pinyin_of_a_title_spaced_joined_and_initials() -> None:
    title = "联想 ThinkPad E14 笔记本电脑"
    assert pinyin.spaced(title) == "lian xiang thinkpad e14 bi ji ben dian nao"
    assert pinyin.joined(title) == ["lianxiang", "bijibendiannao"]
    assert pinyin.initials(title) == ["lx", "bjbdn"]
    assert pinyin.spaced(None) == "" and pinyin.joined("ThinkPad") == []


def test_a_word_is_pinyin_only_if_it_splits_wholly_into_syllables() -> None:
    assert pinyin.splits("bijiben") == ("bi ji ben",)
    assert "xi an" in pinyin.splits("xian") and "xian" in pinyin.splits("xian")
    for english in ("laptop", "toner", "notebook", "monitor", "thinkpad", "lenovo", "e14"):
        assert not pinyin.is_pinyin(english), english
    assert not pinyin.is_pinyin("pen")  # a syllable, but too short to read as pinyin
    assert pinyin.is_pinyin("lianxiang") and pinyin.is_pinyin("huawei")
    assert pinyin.is_initials("bjb") and not pinyin.is_initials("bijiben")


def test_documents_carry_the_pinyin_of_title_and_brand(module_session: Session) -> None:
    offer = make_offer(module_session, brand="联想", model="E14", title="联想 E14 笔记本电脑")
    doc = build_document(offer)["pinyin"]
    assert doc["brand"] == "lian xiang"
    assert "bi ji ben dian nao" in doc["title"]
    assert doc["joined"] == ["lianxiang", "bijibendiannao"]
    assert doc["initials"] == ["lx", "bjbdn"]


def test_pinyin_queries_search_the_pinyin_fields_and_others_do_not() -> None:
    assert "pinyin.title" in _fields(build_search_body({"q": "bijiben"}))
    assert "pinyin.initials" in _fields(build_search_body({"q": "bjb"}))
    for q in ("laptop", "笔记本电脑", "thinkpad e14", "A4 复印纸 80g"):
        assert "pinyin." not in _fields(build_search_body({"q": q})), q
    assert pinyin_variant("lianxiang") == "联想"
    assert pinyin_variant("dell bijibendiannao") == "dell 笔记本电脑"
    assert pinyin_variant("laptop") is None


# --- the real engine ------------------------------------------------------------------------

# Laptops as suppliers title them: brand, series, specs, never the category's name.
_PLAIN_LAPTOPS = [
    ("Lenovo", "ThinkPad T14", "联想 ThinkPad T14 14英寸 i7/32G/1T固态 商务办公"),
    ("HP", "战66 六代", "惠普 战66 六代 15.6英寸 轻薄本 i5/16G/512G"),
]
# Paper notebooks whose titles repeat the word to be found.
_STUFFED_NOTEBOOKS = [
    ("Deli", "N500", "得力 N500 笔记本 A5 加厚笔记本 笔记本子 记事本 100页"),
    ("Comix", "C8800", "齐心 C8800 B5 笔记本 学生笔记本 办公笔记本 电脑风格封面"),
]


@pytest.fixture(scope="module")
def shop(module_session: Session, catalog: Catalog, search_index: str,
         opensearch: OpenSearch) -> Iterator[Catalog]:
    """The relevance catalog plus plainly titled laptops and word-stuffed notebooks."""
    first = {c: next(o for o in catalog.offers if o.category.code == c)
             for c in (LAPTOP, NOTEBOOK)}
    added = []
    for code, rows in ((LAPTOP, _PLAIN_LAPTOPS), (NOTEBOOK, _STUFFED_NOTEBOOKS)):
        like = first[code]
        for brand, model, title in rows:
            offer = make_offer(module_session, agreement=like.agreement, supplier=like.supplier,
                               brand=brand, model=model, title=title, title_en=None,
                               price=Decimal("10.00") if code == NOTEBOOK else Decimal("6000"),
                               attributes={}, regions=["*"], valid_until=like.valid_until)
            added.append(offer)
    index_offers(opensearch, search_index, added)
    yield catalog


def _search(app: Flask, q: str, **params: Any) -> list[dict[str, Any]]:
    response = app.test_client().get("/api/v1/search",
                                     query_string={"q": q, "per_page": 100, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def _categories(items: list[dict[str, Any]]) -> list[str]:
    return [i["category"]["code"] for i in items]


def test_bijiben_finds_the_products_titled_bijiben(app: Flask, shop: Catalog) -> None:
    items = _search(app, "bijiben")
    assert items and all("笔记本" in i["title"] for i in items)
    assert {LAPTOP, NOTEBOOK} <= set(_categories(items))


def test_lianxiang_finds_the_lianxiang_brand(app: Flask, shop: Catalog) -> None:
    items = _search(app, "lianxiang")
    assert items and all(i["brand"] == "Lenovo" for i in items)
    # every Lenovo offer, however titled
    every = [i for i in _search(app, "lenovo")]
    assert {i["offer_id"] for i in items} == {i["offer_id"] for i in every}


def test_initials_find_the_word(app: Flask, shop: Catalog) -> None:
    items = _search(app, "bjb")
    assert items and all("笔记本" in i["title"] for i in items)


def test_pinyin_of_a_dictionary_word_ranks_like_the_word(app: Flask, shop: Catalog) -> None:
    chinese = [i["offer_id"] for i in _search(app, "笔记本电脑")][:20]
    typed = [i["offer_id"] for i in _search(app, "bijibendiannao")][:20]
    assert set(_categories(_search(app, "bijibendiannao")[:20])) == {LAPTOP}
    assert len(set(chinese) & set(typed)) >= 15


def test_every_laptop_above_every_paper_notebook_for_bijibendiannao_in_chinese(
        app: Flask, shop: Catalog) -> None:
    categories = _categories(_search(app, "笔记本电脑"))
    assert categories and categories[0] == LAPTOP
    assert categories.count(LAPTOP) == 40 + len(_PLAIN_LAPTOPS)  # the plain titles too
    if NOTEBOOK in categories:
        last_laptop = max(i for i, c in enumerate(categories) if c == LAPTOP)
        assert categories.index(NOTEBOOK) > last_laptop, categories


def test_bijiben_alone_still_finds_paper_notebooks_first(app: Flask, shop: Catalog) -> None:
    categories = _categories(_search(app, "笔记本"))
    assert categories[0] == NOTEBOOK
    assert NOTEBOOK in categories and LAPTOP in categories
