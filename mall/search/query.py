"""A pure function from a validated search request to an OpenSearch request body.

Past 400 lines because ranking, filters, facets and pinyin build one body together and are
read together when tuning relevance; the pinyin word splitting itself is in ``pinyin.py``.

Nothing here talks to OpenSearch or the database, so the bodies can be tested as data and
against the real engine alike.

Ranking, strongest first: an exact model / brand+model / SKU / GTIN key; the brand; the
query as a phrase in the title (Chinese bigram phrase, English phrase); the category name;
title words; attribute words; description. Whole words beat word prefixes (the ``partial``
field only adds a little). Typos are tolerated for longer plain words (5+ letters: one edit,
9+: two), never for words that look like model numbers ("E14", "CF276A", "80g").

Pinyin: a letters-only word that splits wholly into syllables ("bijiben", "lianxiang") also
matches the documents' pinyin fields, ranked brand over title over category; a word the
dictionary knows ("lianxiang") is searched in Chinese too ("联想", and so "lenovo").
A lone word of consonants ("bjb") matches the initials of Chinese words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mall.search import pinyin
from mall.search.index import SYNONYM_GROUPS, SynonymGroup

FACET_SIZE = 30
MAX_VARIANTS = 2
# A token that looks like a model number or a spec: letters and digits together, or a long
# digit run (GTINs, part numbers).
_MODEL_LIKE = re.compile(r"^(?=.*\d)(?=.*[^\W\d_])[\w\-./]+$|^\d{4,}$")
_SEPARATORS = re.compile(r"[\s\-_./·（）()]+")
_HAS_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class AttributeInfo:
    """What the builder needs to know about one category attribute."""

    key: str
    type: str  # enum | number | text | bool
    name_zh: str = ""
    name_en: str = ""
    unit: str | None = None


def compact(text: str) -> str:
    return _SEPARATORS.sub("", text).lower()


def is_model_like(word: str) -> bool:
    return bool(_MODEL_LIKE.match(word))


def _term_test(term: str) -> Callable[[str], bool]:
    """Whether a text holds ``term``: a Chinese term anywhere, any other as a whole word."""
    if _HAS_HAN.search(term):
        return lambda text: term in text
    pattern = re.compile(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])")
    return lambda text: pattern.search(text) is not None


# Each group's terms lowered, longest first, each with its test: the dictionary is constant,
# so this is worked out once, not for every query.
_SYNONYM_TERMS: tuple[tuple[SynonymGroup, tuple[tuple[str, Callable[[str], bool]], ...]], ...] = (
    tuple((group, tuple((term.lower(), _term_test(term.lower()))
                        for term in sorted((group.zh, *group.zh_variants, *group.en),
                                           key=len, reverse=True)))
          for group in SYNONYM_GROUPS)
)


def synonym_variants(q: str) -> list[str]:
    """The query rewritten across languages with the domain dictionary.

    "lenovo laptop" -> ["联想 笔记本电脑"]; "硒鼓 惠普" -> ["toner hp"]. At most
    ``MAX_VARIANTS``, never the query itself.
    """
    lowered = q.lower()
    to_zh, to_en = lowered, lowered
    for group, terms in _SYNONYM_TERMS:
        for term, found_in in terms:
            if found_in(lowered):
                to_zh = to_zh.replace(term, f" {group.zh} ")
                if group.en:
                    to_en = to_en.replace(term, f" {group.en[0]} ")
                break
    variants: list[str] = []
    for variant in (to_zh, to_en):
        cleaned = " ".join(variant.split())
        if cleaned and cleaned != " ".join(lowered.split()) and cleaned not in variants:
            variants.append(cleaned)
    return variants[:MAX_VARIANTS]


# The dictionary's Chinese words by their joined pinyin: "lianxiang" -> "联想",
# "taishiji" -> "台式计算机" (a variant reads as its canonical word).
PINYIN_TERMS: dict[str, str] = {
    "".join(pinyin.spaced(term).split()): group.zh
    for group in SYNONYM_GROUPS for term in (group.zh, *group.zh_variants)
}


def pinyin_variant(q: str) -> str | None:
    """The query with every pinyin word the dictionary knows written in Chinese:
    "lianxiang" -> "联想", "dell bijibendiannao" -> "dell 笔记本电脑". None if there is none."""
    words = q.lower().split()
    rewritten = [PINYIN_TERMS.get(w, w) if pinyin.is_pinyin(w) else w for w in words]
    return " ".join(rewritten) if rewritten != words else None


def _pinyin_word(word: str) -> list[dict[str, Any]]:
    """Ways one pinyin word matches: as syllables inside a name, a whole run, a run's start."""
    phrases = [{"match_phrase": {f"pinyin.{field}": split}}
               for split in pinyin.splits(word) for field in ("title", "brand")]
    return [*phrases, {"term": {"pinyin.joined": word}},
            {"match": {"pinyin.joined.prefix": word}}]


def _pinyin(q: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Recall and scoring clauses reading the query as pinyin (both empty if it is not).

    Every pinyin word must match the pinyin fields; the other words ("lianxiang e14") must
    match as they would anyway. A single word of consonants only ("bjb") matches initials.
    """
    words = q.lower().split()
    if len(words) == 1 and pinyin.is_initials(words[0]) and not pinyin.is_pinyin(words[0]):
        word = words[0]
        return ([{"match": {"pinyin.initials.prefix": word}}],
                [{"term": {"pinyin.initials": {"value": word, "boost": 2}}},
                 {"match": {"pinyin.initials.prefix": {"query": word, "boost": 0.5}}}])
    if not any(pinyin.is_pinyin(w) for w in words):
        return [], []
    must: list[dict[str, Any]] = []
    should: list[dict[str, Any]] = []
    for word in words:
        if not pinyin.is_pinyin(word):
            must.append({"bool": {"should": [
                {"match": {"all": {"query": word, "operator": "and"}}},
                {"match": {"all.en": {"query": word, "operator": "and"}}},
                {"match": {"all.partial": {"query": word, "operator": "and"}}},
            ], "minimum_should_match": 1}})
            continue
        must.append({"bool": {"should": _pinyin_word(word), "minimum_should_match": 1}})
        # Ranked as the Chinese would be: brand, then the title, then the category.
        for split in pinyin.splits(word):
            should += [
                {"match_phrase": {"pinyin.brand": {"query": split, "boost": 10}}},
                {"match_phrase": {"pinyin.title": {"query": split, "boost": 6}}},
                {"match_phrase": {"pinyin.category": {"query": split, "boost": 3}}},
            ]
        should += [{"term": {"pinyin.joined": {"value": word, "boost": 4}}},
                   {"match": {"pinyin.joined.prefix": {"query": word, "boost": 1}}}]
    return [{"bool": {"must": must}}], should


def _recall(text: str, model_words: list[str], plain: str, lenient: bool = True
            ) -> list[dict[str, Any]]:
    """Ways a document may match ``text`` at all (no scoring: these sit in a filter).

    ``lenient``: one word of two (or a quarter of longer queries) may be missing, so
    "thinkpad e14" also lists other ThinkPads below the E14. Synonym variants are strict:
    a loosely matched translation drifts too far ("copy paper" -> any "paper").
    """
    clauses: list[dict[str, Any]] = [
        # Chinese and mixed text: most of the characters/bigrams must be there.
        {"match": {"all": {"query": text,
                           "minimum_should_match": "1<-1 3<75%" if lenient else "100%"}}},
        # English words, stemmed, with English synonyms expanded.
        {"match": {"all.en": {"query": text, "operator": "and"}}},
        # Word prefixes ("thinkp", "16g").
        {"match": {"all.partial": {"query": text, "operator": "and"}}},
        {"term": {"model.compact": compact(text)}},
        {"term": {"brand_model": compact(text)}},
        {"term": {"sku": text.lower()}},
    ]
    if plain and any(len(w) >= 5 for w in plain.split()):
        # Typo tolerance for the plain words only; model-like words must still match exactly.
        fuzzy: dict[str, Any] = {"bool": {"must": [
            {"match": {"all.en": {"query": plain, "analyzer": "en_text", "operator": "and",
                                  "fuzziness": "AUTO:5,9", "prefix_length": 1}}},
            *[{"match": {"all": {"query": w, "operator": "and"}}} for w in model_words],
        ]}}
        clauses.append(fuzzy)
    return clauses


def _scoring(text: str, model_words: list[str], plain: str,
             weight: float) -> list[dict[str, Any]]:
    def b(boost: float) -> float:
        return round(boost * weight, 3)

    key = compact(text)
    clauses: list[dict[str, Any]] = [
        # Exact keys outrank everything.
        {"term": {"model.compact": {"value": key, "boost": b(40)}}},
        {"term": {"brand_model": {"value": key, "boost": b(40)}}},
        {"term": {"sku": {"value": text.lower(), "boost": b(30)}}},
        {"term": {"gtin": {"value": text.strip(), "boost": b(30)}}},
        {"term": {"brand.folded": {"value": key, "boost": b(20)}}},
        # A brand word among other words ("lenovo laptop").
        {"match": {"brand.text": {"query": text, "boost": b(4)}}},
        # The query as a phrase in the title: whole Chinese words (bigram phrase) / English.
        {"match_phrase": {"title.phrase": {"query": text, "slop": 1, "boost": b(8)}}},
        {"match_phrase": {"title_en": {"query": text, "slop": 1, "boost": b(6)}}},
        # The category named in the query ("笔记本电脑" is a laptop, not a paper notebook):
        # a whole Chinese word of the query in the category's name. Loose bigrams count
        # little, or "笔记本电脑" would lift "笔记本/记事本" (笔记, 记本) like the laptops.
        {"match": {"category.name_zh.phrase": {"query": text, "boost": b(1)}}},
        *[{"match_phrase": {"category.name_zh.phrase": {"query": word, "boost": b(6)}}}
          for word in text.split() if len(_HAS_HAN.findall(word)) >= 2],
        {"match": {"category.name_en": {"query": text, "boost": b(3)}}},
        # Title words, then attribute words, then the description.
        {"match": {"title": {"query": text, "boost": b(1.5)}}},
        {"match": {"title_en": {"query": text, "boost": b(1.5)}}},
        {"match": {"attrs_text": {"query": text, "boost": b(1.5)}}},
        {"match": {"description": {"query": text, "boost": b(0.3)}}},
        # Prefixes count, but far below whole words.
        {"match": {"all.partial": {"query": text, "boost": b(0.3)}}},
    ]
    for word in model_words:
        clauses.append({"term": {"model.compact": {"value": compact(word), "boost": b(15)}}})
        clauses.append({"match": {"model.text": {"query": word, "operator": "and",
                                                 "boost": b(6)}}})
    if plain and any(len(w) >= 5 for w in plain.split()):
        clauses.append({"match": {"brand.text": {
            "query": plain, "analyzer": "en_text", "fuzziness": "AUTO:5,9",
            "prefix_length": 1, "boost": b(3)}}})
        clauses.append({"match": {"title_en": {
            "query": plain, "analyzer": "en_text", "fuzziness": "AUTO:5,9",
            "prefix_length": 1, "boost": b(1)}}})
    return clauses


def text_query(q: str) -> dict[str, Any]:
    """Relevance for ``q``: a filter deciding what matches, ``should`` clauses ranking it."""
    words = q.split()
    model_words = [w for w in words if is_model_like(w)]
    plain = " ".join(w for w in words if not is_model_like(w) and not _HAS_HAN.search(w))
    recall: list[dict[str, Any]] = _recall(q, model_words, plain)
    should: list[dict[str, Any]] = _scoring(q, model_words, plain, 1.0)
    pinyin_recall, pinyin_should = _pinyin(q)
    recall += pinyin_recall
    should += pinyin_should
    variants = synonym_variants(q)
    written = pinyin_variant(q)
    if written:  # "lianxiang" searches "联想" too, and so "lenovo"
        variants += [v for v in (written, *synonym_variants(written)) if v not in variants]
    for variant in variants:
        v_words = variant.split()
        v_models = [w for w in v_words if is_model_like(w)]
        recall += _recall(variant, v_models, "", lenient=False)
        should += _scoring(variant, v_models, "", 0.7)
    return {
        "bool": {
            "filter": [{"bool": {"should": recall, "minimum_should_match": 1}}],
            "should": should,
        }
    }


def _attr_filter(key: str, values: list[str], info: AttributeInfo | None) -> dict[str, Any]:
    kind = info.type if info else "text"
    if kind == "number":
        clause: dict[str, Any] = {"terms": {"attrs.number": [float(v) for v in values]}}
    elif kind == "bool":
        clause = {"terms": {"attrs.bool": [v.lower() in ("true", "1", "yes") for v in values]}}
    else:
        clause = {"terms": {"attrs.keyword": values}}
    return {"nested": {"path": "attrs", "query": {"bool": {"filter": [
        {"term": {"attrs.key": key}}, clause]}}}}


def filters_by_facet(
    request: dict[str, Any], attributes: dict[str, AttributeInfo] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Filters by facet name, so each facet can be counted without its own filter."""
    attributes = attributes or {}
    by_facet: dict[str, list[dict[str, Any]]] = {}
    if request.get("category"):
        # The path holds every ancestor code: one term matches the category and descendants.
        by_facet["category"] = [{"term": {"category.path": request["category"]}}]
    if request.get("brand"):
        by_facet["brand"] = [{"terms": {"brand": request["brand"]}}]
    if request.get("supplier"):
        by_facet["supplier"] = [{"terms": {"supplier.id": request["supplier"]}}]
    if request.get("supplier_size"):
        by_facet["supplier_size"] = [{"terms": {"supplier.size": request["supplier_size"]}}]
    if request.get("sme") is not None:
        by_facet["sme"] = [{"term": {"supplier.sme": request["sme"]}}]
    if request.get("agreement"):
        by_facet["agreement"] = [{"terms": {"agreement.number": request["agreement"]}}]
    if request.get("region"):
        by_facet["region"] = [{"terms": {"regions": [request["region"], "*"]}}]
    price: dict[str, float] = {}
    if request.get("price_min") is not None:
        price["gte"] = float(request["price_min"])
    if request.get("price_max") is not None:
        price["lte"] = float(request["price_max"])
    if price:
        by_facet["price"] = [{"range": {"price": price}}]
    if request.get("in_stock"):
        by_facet["in_stock"] = [{"term": {"in_stock": True}}]
    for key, values in sorted(request.get("attributes", {}).items()):
        by_facet[f"attr.{key}"] = [_attr_filter(key, values, attributes.get(key))]
    if request.get("conditions"):
        # A requirement standard's conditions (set by the caller, never by query arguments).
        by_facet["standard"] = standard_filters(request["conditions"], attributes)
    return by_facet


def _all_except(by_facet: dict[str, list[dict[str, Any]]], name: str) -> list[dict[str, Any]]:
    return [f for facet, filters in by_facet.items() if facet != name for f in filters]


SORTS: dict[str, list[Any]] = {
    "relevance": ["_score", {"price": "asc"}, {"offer_id": "asc"}],
    "price_asc": [{"price": "asc"}, {"offer_id": "asc"}],
    "price_desc": [{"price": "desc"}, {"offer_id": "asc"}],
    "newest": [{"created_at": "desc"}, {"offer_id": "desc"}],
}


def _attribute_agg(info: AttributeInfo) -> dict[str, Any]:
    if info.type == "number":
        # Numbers facet by value, in numeric order (4 GB, 8 GB, 16 GB).
        values = {"terms": {"field": "attrs.number", "size": FACET_SIZE, "order": {"_key": "asc"}}}
    elif info.type == "bool":
        values = {"terms": {"field": "attrs.bool", "size": 2}}
    else:
        values = {"terms": {"field": "attrs.keyword", "size": FACET_SIZE}}
    return {"nested": {"path": "attrs"},
            "aggs": {"k": {"filter": {"term": {"attrs.key": info.key}},
                           "aggs": {"values": values}}}}


def build_search_body(
    request: dict[str, Any],
    *,
    visible_regions: list[str] | None = None,
    attributes: dict[str, AttributeInfo] | None = None,
    facet_attributes: list[AttributeInfo] | None = None,
) -> dict[str, Any]:
    """Build the body for one search.

    ``request`` is the output of ``SearchRequestSchema``. ``visible_regions`` limits results
    to offers delivering there (a logged-in purchaser's region). ``attributes`` types the
    ``attr.<key>`` filters; ``facet_attributes`` are the chosen category's attributes to count.
    """
    q = (request.get("q") or "").strip()
    by_facet = filters_by_facet(request, attributes)
    # Always on, whatever the caller asks: an offer past its validity (or its agreement's
    # end) that the indexer has not removed yet must never be shown.
    always: list[dict[str, Any]] = [
        {"range": {"valid_until": {"gte": "now/d"}}},
        {"range": {"agreement.ends_on": {"gte": "now/d"}}},
    ]
    if visible_regions is not None:
        # A purchaser never sees offers that do not deliver to it, whatever the facets say.
        always.append({"terms": {"regions": [*visible_regions, "*"]}})
    query: dict[str, Any] = text_query(q) if q else {"bool": {}}
    query["bool"].setdefault("filter", []).extend(always)
    page, per_page = request.get("page", 1), request.get("per_page", 20)

    def facet(name: str, agg: dict[str, Any]) -> dict[str, Any]:
        # Each facet counts with every filter except its own, so its other values stay visible.
        return {"filter": {"bool": {"filter": _all_except(by_facet, name)}}, "aggs": {"v": agg}}

    aggs: dict[str, Any] = {
        "category": facet("category", {"terms": {"field": "category.code", "size": FACET_SIZE},
                                        "aggs": {"zh": {"terms": {"field": "category.name_zh.raw",
                                                                  "size": 1}},
                                                 "en": {"terms": {"field": "category.name_en.raw",
                                                                  "size": 1}}}}),
        "brand": facet("brand", {"terms": {"field": "brand", "size": FACET_SIZE}}),
        "supplier": facet("supplier", {"terms": {"field": "supplier.id", "size": FACET_SIZE},
                                        "aggs": {"name": {"terms": {"field": "supplier.name",
                                                                    "size": 1}}}}),
        "supplier_size": facet("supplier_size", {"terms": {"field": "supplier.size"}}),
        "sme": facet("sme", {"terms": {"field": "supplier.sme"}}),
        "agreement": facet("agreement", {"terms": {"field": "agreement.number",
                                                    "size": FACET_SIZE}}),
        "region": facet("region", {"terms": {"field": "regions", "size": FACET_SIZE}}),
        "in_stock": facet("in_stock", {"terms": {"field": "in_stock"}}),
        "price": facet("price", {"stats": {"field": "price"}}),
    }
    for info in facet_attributes or []:
        aggs[f"attr.{info.key}"] = facet(f"attr.{info.key}", _attribute_agg(info))

    body: dict[str, Any] = {
        "query": query,
        # Facet filters apply to hits after the aggregations saw them (see ``facet``).
        "post_filter": {"bool": {"filter": [f for fs in by_facet.values() for f in fs]}},
        "sort": SORTS[request.get("sort") or "relevance"],
        "from": (page - 1) * per_page,
        "size": per_page,
        "track_total_hits": True,
        "aggs": aggs,
        "_source": {"excludes": ["suggest", "attrs_text", "pinyin"]},
    }
    if q:
        body["highlight"] = {
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "encoder": "html",
            "fields": {"title": {"number_of_fragments": 0},
                       "title_en": {"number_of_fragments": 0}},
        }
    return body


def build_suggest_body(q: str, size: int = 6) -> dict[str, Any]:
    """Completions for a partly typed query: brands, models, categories, then product titles.

    Brands and models complete on their compact keys ("thinkp" -> "ThinkPad E14"); titles on
    the edge n-grams of the whole title ("笔记" -> "笔记本电脑 ...") or of its words.
    """
    key = compact(q)
    visible = [{"range": {"valid_until": {"gte": "now/d"}}}]
    return {
        "size": size,
        "_source": ["title", "product_id"],
        "query": {"bool": {"should": [
            {"match": {"suggest.prefix": {"query": q, "boost": 3}}},
            {"match": {"suggest": {"query": q, "operator": "and"}}},
        ], "minimum_should_match": 1, "filter": visible}},
        # One title per product, not one per supplier's offer.
        "collapse": {"field": "product_id"},
        "aggs": {
            "brands": {"filter": {"bool": {"filter": visible, "should": [
                {"prefix": {"brand.folded": key}},
                {"match_phrase_prefix": {"title": q}},
            ], "minimum_should_match": 1}},
                "aggs": {"v": {"terms": {"field": "brand", "size": 3}}}},
            "models": {"filter": {"bool": {"filter": visible, "should": [
                {"prefix": {"model.compact": key}},
                # "lenovo thinkp": a brand, then the start of a model.
                *([{"prefix": {"brand_model": key}}] if " " in q.strip() else []),
            ], "minimum_should_match": 1}},
                "aggs": {"v": {"terms": {"field": "model", "size": 3}}}},
            "categories": {"filter": {"bool": {"filter": visible, "should": [
                {"prefix": {"category.name_zh.raw": q}},
                {"match_phrase_prefix": {"category.name_en": q}},
            ], "minimum_should_match": 1}},
                "aggs": {"v": {"terms": {"field": "category.name_zh.raw", "size": 3}}}},
        },
    }


# --- requirement standards ---------------------------------------------------------------------

_RANGE_OPS = {"gte": "gte", "lte": "lte"}


def standard_condition_filter(condition: dict[str, Any],
                              info: AttributeInfo | None) -> dict[str, Any]:
    """One condition of a requirement standard (``{attribute, op, value}``, already checked
    against the category template) as a filter on the typed nested attributes.

    ``gte``/``lte`` compare ``attrs.number``; ``eq``/``in`` match the typed value (numbers
    on ``attrs.number``, booleans on ``attrs.bool``, enums and text on ``attrs.keyword``).
    """
    key, op, value = condition["attribute"], condition["op"], condition["value"]
    kind = info.type if info else "text"
    clause: dict[str, Any]
    if op in _RANGE_OPS:
        clause = {"range": {"attrs.number": {_RANGE_OPS[op]: float(value)}}}
    else:
        values = value if op == "in" else [value]
        if kind == "number":
            clause = {"terms": {"attrs.number": [float(v) for v in values]}}
        elif kind == "bool":
            clause = {"terms": {"attrs.bool": [bool(v) for v in values]}}
        else:
            clause = {"terms": {"attrs.keyword": [str(v) for v in values]}}
    return {"nested": {"path": "attrs", "query": {"bool": {"filter": [
        {"term": {"attrs.key": key}}, clause]}}}}


def standard_filters(conditions: list[dict[str, Any]],
                     attributes: dict[str, AttributeInfo] | None = None
                     ) -> list[dict[str, Any]]:
    """Every condition of a standard as filter clauses: an offer must meet all of them
    (each condition its own nested query, so two conditions may match two attributes)."""
    attributes = attributes or {}
    return [standard_condition_filter(c, attributes.get(c["attribute"])) for c in conditions]
