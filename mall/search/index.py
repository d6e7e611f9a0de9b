"""The offers index: settings and mapping in code, with a version number.

Bump ``MAPPING_VERSION`` whenever settings or mapping change; ``mall-indexer rebuild`` then
builds a fresh index and swaps the alias to it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

MAPPING_VERSION = 1

ANALYSIS: dict[str, Any] = {
    "char_filter": {
        # "ThinkPad E14", "thinkpad-e14" and "thinkpad_e14" all reduce to the same key.
        "strip_punct": {"type": "pattern_replace", "pattern": "[\\s\\-_./·（）()]+",
                        "replacement": ""},
    },
    "filter": {
        "en_stemmer": {"type": "stemmer", "language": "light_english"},
        "en_possessive": {"type": "stemmer", "language": "possessive_english"},
        "zh_bigram": {"type": "cjk_bigram", "output_unigrams": True},
        "autocomplete_edge": {"type": "edge_ngram", "min_gram": 1, "max_gram": 20},
        # Split model numbers at letter/digit boundaries ("E14" -> "e", "14", "e14").
        "model_parts": {
            "type": "word_delimiter_graph",
            "preserve_original": True,
            "split_on_numerics": True,
            "catenate_all": True,
        },
    },
    "normalizer": {
        "folded": {"type": "custom", "filter": ["lowercase", "asciifolding", "cjk_width"]},
        "compact": {
            "type": "custom",
            "char_filter": ["strip_punct"],
            "filter": ["lowercase", "asciifolding", "cjk_width"],
        },
    },
    "analyzer": {
        "zh_text": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "zh_bigram"],
        },
        "en_text": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["en_possessive", "lowercase", "asciifolding", "en_stemmer"],
        },
        "model_text": {
            "type": "custom",
            "tokenizer": "whitespace",
            "filter": ["model_parts", "lowercase", "asciifolding"],
        },
        "autocomplete": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "asciifolding", "autocomplete_edge"],
        },
        "autocomplete_search": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "asciifolding"],
        },
    },
}

_KEYWORD = {"type": "keyword"}
_TEXT_ZH_EN = {
    "type": "text",
    "analyzer": "zh_text",
    "fields": {"en": {"type": "text", "analyzer": "en_text"}},
}

MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "_meta": {"mapping_version": MAPPING_VERSION},
    "properties": {
        "offer_id": {"type": "long"},
        "product_id": {"type": "long"},
        "sku": {"type": "keyword", "normalizer": "folded"},
        "title": _TEXT_ZH_EN,
        "title_en": {"type": "text", "analyzer": "en_text"},
        "description": _TEXT_ZH_EN,
        "brand": {
            "type": "keyword",
            "fields": {
                "folded": {"type": "keyword", "normalizer": "compact"},
                "text": {"type": "text", "analyzer": "en_text"},
            },
        },
        "model": {
            "type": "keyword",
            "fields": {
                "compact": {"type": "keyword", "normalizer": "compact"},
                "text": {"type": "text", "analyzer": "model_text"},
            },
        },
        # brand + model in one compact key, so "thinkpade14" and "ThinkPad E14" meet.
        "brand_model": {"type": "keyword", "normalizer": "compact"},
        "gtin": _KEYWORD,
        "unit": {"type": "keyword", "index": False},
        "supplier": {
            "properties": {
                "id": {"type": "long"},
                "name": {"type": "keyword", "fields": {"text": {"type": "text",
                                                                "analyzer": "zh_text"}}},
                "size": _KEYWORD,
                "sme": {"type": "boolean"},
            }
        },
        "agreement": {
            "properties": {"id": {"type": "long"}, "number": _KEYWORD,
                           "ends_on": {"type": "date"}}
        },
        "lot_code": _KEYWORD,
        "category": {
            "properties": {
                "code": _KEYWORD,
                "name_zh": {"type": "text", "analyzer": "zh_text",
                            "fields": {"raw": _KEYWORD}},
                "name_en": {"type": "text", "analyzer": "en_text",
                            "fields": {"raw": _KEYWORD}},
                # The code of the category and of every ancestor: filtering on one code
                # matches its descendants too.
                "path": _KEYWORD,
            }
        },
        "regions": _KEYWORD,
        "price": {"type": "double"},
        "currency": _KEYWORD,
        "stock": {"type": "integer"},
        "in_stock": {"type": "boolean"},
        "lead_time_days": {"type": "integer"},
        "valid_until": {"type": "date"},
        "updated_at": {"type": "date"},
        "created_at": {"type": "date"},
        "version": {"type": "long"},
        "attrs": {
            "type": "nested",
            "properties": {
                "key": _KEYWORD,
                "keyword": _KEYWORD,
                "number": {"type": "double"},
                "bool": {"type": "boolean"},
            },
        },
        "attrs_text": _TEXT_ZH_EN,
        "suggest": {
            "type": "text",
            "analyzer": "autocomplete",
            "search_analyzer": "autocomplete_search",
            "fields": {"raw": {"type": "keyword", "normalizer": "folded"}},
        },
    },
}


def index_body(replicas: int = 0, refresh_interval: str = "1s") -> dict[str, Any]:
    return {
        "settings": {
            "index": {
                "number_of_shards": 1,
                "number_of_replicas": replicas,
                "refresh_interval": refresh_interval,
                "max_ngram_diff": 20,
            },
            "analysis": ANALYSIS,
        },
        "mappings": MAPPINGS,
    }


def new_index_name(alias: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S%f")
    return f"{alias}-v{MAPPING_VERSION}-{stamp}"
