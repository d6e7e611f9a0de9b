"""The offers index: settings and mapping in code, with a version number.

Bump ``MAPPING_VERSION`` whenever settings or mapping change; ``mall-indexer rebuild`` then
builds a fresh index and swaps the alias to it.

Chinese analysis uses what the common-analysis module offers (no ICU/smartcn/IK here): the
standard tokenizer splits Han text into characters, ``cjk_bigram`` adds overlapping bigrams,
and a small in-code domain dictionary (``SYNONYM_GROUPS``) both folds Chinese variants onto
one canonical word (a mapping char filter, at index and search time) and expands English
synonyms at search time (``synonym_graph``). The query builder uses the same dictionary to
cross languages ("laptop" also searches "笔记本电脑").

Pinyin: documents carry the pinyin of their Chinese title, brand and category
(``mall.search.pinyin``, built in Python with ``pypinyin``; no analysis plugin needed), and
the query builder reads letter-only query words that split into syllables as pinyin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MAPPING_VERSION = 3


@dataclass(frozen=True)
class SynonymGroup:
    """One concept: its canonical Chinese word, Chinese variants and English terms."""

    zh: str
    zh_variants: tuple[str, ...] = ()
    en: tuple[str, ...] = ()


# The domain dictionary. Keep it small and unambiguous: "notebook" alone is deliberately
# absent (a paper notebook or a laptop), as is "笔记本" -> laptop.
SYNONYM_GROUPS: tuple[SynonymGroup, ...] = (
    SynonymGroup("笔记本电脑", ("便携式计算机", "便携式电脑", "手提电脑", "笔记本计算机"),
                 ("laptop", "notebook computer", "notebook pc", "portable computer")),
    SynonymGroup("台式计算机", ("台式机", "台式电脑"), ("desktop computer", "desktop pc")),
    SynonymGroup("复印纸", ("打印纸", "复写纸"), ("copy paper", "copier paper", "printer paper",
                                               "printing paper")),
    SynonymGroup("硒鼓", ("墨粉盒", "粉盒", "墨粉"), ("toner", "toner cartridge")),
    SynonymGroup("显示器", ("显示屏",), ("monitor", "display")),
    SynonymGroup("打印机", (), ("printer",)),
    SynonymGroup("记事本", ("笔记簿", "本册"), ("notepad", "paper notebook")),
    SynonymGroup("办公椅", ("职员椅", "电脑椅"), ("office chair", "desk chair")),
    SynonymGroup("中性笔", ("签字笔", "水笔"), ("gel pen", "rollerball pen")),
    # Brands: Chinese and English names of the same maker.
    SynonymGroup("联想", (), ("lenovo",)),
    SynonymGroup("惠普", (), ("hp", "hewlett packard")),
    SynonymGroup("戴尔", (), ("dell",)),
    SynonymGroup("华为", (), ("huawei",)),
    SynonymGroup("得力", (), ("deli",)),
    SynonymGroup("佳能", (), ("canon",)),
    SynonymGroup("兄弟", (), ("brother",)),
    SynonymGroup("晨光", (), ("m&g", "chenguang")),
    SynonymGroup("齐心", (), ("comix",)),
)


def _zh_mappings() -> list[str]:
    return [f"{variant} => {group.zh}" for group in SYNONYM_GROUPS
            for variant in group.zh_variants]


def _en_synonyms() -> list[str]:
    return [", ".join(group.en) for group in SYNONYM_GROUPS if len(group.en) > 1]


ANALYSIS: dict[str, Any] = {
    "char_filter": {
        # "ThinkPad E14", "thinkpad-e14" and "thinkpad_e14" all reduce to the same key.
        "strip_punct": {"type": "pattern_replace", "pattern": "[\\s\\-_./·（）()]+",
                        "replacement": ""},
        # Chinese variants fold onto one canonical word before tokenizing.
        "zh_synonyms": {"type": "mapping", "mappings": _zh_mappings()},
        # "80g/m²", "80克" and "80 g" all index as "80g"; "A4纸" keeps "a4" a separate word.
        "units": {"type": "pattern_replace",
                  "pattern": "(?i)(\\d)\\s*(?:克|g/m²|g/m2|gsm|g(?![a-z]))",
                  "replacement": "$1g "},
    },
    "filter": {
        "en_stemmer": {"type": "stemmer", "language": "light_english"},
        "en_possessive": {"type": "stemmer", "language": "possessive_english"},
        "en_synonyms": {"type": "synonym_graph", "synonyms": _en_synonyms()},
        "zh_bigram": {"type": "cjk_bigram", "output_unigrams": True},
        "zh_bigram_only": {"type": "cjk_bigram", "output_unigrams": False},
        "autocomplete_edge": {"type": "edge_ngram", "min_gram": 1, "max_gram": 20},
        "prefix_edge": {"type": "edge_ngram", "min_gram": 1, "max_gram": 30},
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
        # Han characters + bigrams; Latin words whole. The workhorse for Chinese titles.
        "zh_text": {
            "type": "custom",
            "char_filter": ["zh_synonyms", "units"],
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "asciifolding", "zh_bigram"],
        },
        # Bigrams only: a phrase of bigrams means the whole Chinese word is there.
        "zh_phrase": {
            "type": "custom",
            "char_filter": ["zh_synonyms", "units"],
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "asciifolding", "zh_bigram_only"],
        },
        "en_text": {
            "type": "custom",
            "char_filter": ["units"],
            "tokenizer": "standard",
            "filter": ["en_possessive", "lowercase", "asciifolding", "en_stemmer"],
        },
        "en_search": {
            "type": "custom",
            "char_filter": ["units"],
            "tokenizer": "standard",
            "filter": ["en_possessive", "lowercase", "asciifolding", "en_synonyms",
                       "en_stemmer"],
        },
        # Prefixes of words: found, but scored far below whole words.
        "partial": {
            "type": "custom",
            "char_filter": ["units"],
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "asciifolding", "autocomplete_edge"],
        },
        "model_text": {
            "type": "custom",
            "tokenizer": "whitespace",
            "filter": ["model_parts", "lowercase", "asciifolding", "flatten_graph"],
        },
        "model_search": {
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
        # The whole suggestion as one token, cut into prefixes: "笔记" completes "笔记本电脑".
        "prefix": {
            "type": "custom",
            "tokenizer": "keyword",
            "filter": ["cjk_width", "lowercase", "asciifolding", "prefix_edge"],
        },
        # Pinyin syllables as built by mall.search.pinyin ("lian xiang e14"): one token each.
        "pinyin_text": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "asciifolding"],
        },
        "prefix_search": {
            "type": "custom",
            "tokenizer": "keyword",
            "filter": ["cjk_width", "lowercase", "asciifolding"],
        },
    },
}

_KEYWORD = {"type": "keyword"}
_EN = {"type": "text", "analyzer": "en_text", "search_analyzer": "en_search"}
_TEXT_ZH_EN: dict[str, Any] = {
    "type": "text",
    "analyzer": "zh_text",
    "fields": {
        "en": _EN,
        "phrase": {"type": "text", "analyzer": "zh_phrase"},
    },
}
_ALL = {**_TEXT_ZH_EN, "fields": {**_TEXT_ZH_EN["fields"],
                                  "partial": {"type": "text", "analyzer": "partial",
                                              "search_analyzer": "autocomplete_search"}}}

_PINYIN_TEXT = {"type": "text", "analyzer": "pinyin_text"}
# Whole runs ("bijibendiannao") and their prefixes ("bijiben" is how "笔记本电脑" starts).
_PINYIN_KEY = {"type": "keyword", "fields": {"prefix": {"type": "text", "analyzer": "prefix",
                                                         "search_analyzer": "prefix_search"}}}

MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "_meta": {"mapping_version": MAPPING_VERSION},
    "properties": {
        "offer_id": {"type": "long"},
        "product_id": {"type": "long"},
        "sku": {"type": "keyword", "normalizer": "folded"},
        "title": {**_TEXT_ZH_EN, "copy_to": "all"},
        "title_en": {**_EN, "copy_to": "all",
                     "fields": {"phrase": {"type": "text", "analyzer": "zh_phrase"}}},
        "description": _TEXT_ZH_EN,
        "brand": {
            "type": "keyword",
            "copy_to": "all",
            "fields": {
                "folded": {"type": "keyword", "normalizer": "compact"},
                "text": _EN,
            },
        },
        "model": {
            "type": "keyword",
            "copy_to": "all",
            "fields": {
                "compact": {"type": "keyword", "normalizer": "compact"},
                "text": {"type": "text", "analyzer": "model_text",
                         "search_analyzer": "model_search"},
            },
        },
        # brand + model in one compact key, so "lenovo thinkpad e14" and "LenovoThinkPadE14"
        # meet.
        "brand_model": {"type": "keyword", "normalizer": "compact"},
        "gtin": _KEYWORD,
        "unit": {"type": "keyword", "index": False},
        # The picture's content hash: thumbnails at /images/<hash>/<size>.webp; never searched.
        "image_hash": {"type": "keyword", "index": False},
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
                "name_zh": {"type": "text", "analyzer": "zh_text", "copy_to": "all",
                            "fields": {"raw": _KEYWORD,
                                       "phrase": {"type": "text", "analyzer": "zh_phrase"}}},
                "name_en": {**_EN, "copy_to": "all", "fields": {"raw": _KEYWORD}},
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
        # Category attributes as typed key/value pairs: one mapping serves every category.
        "attrs": {
            "type": "nested",
            "properties": {
                "key": _KEYWORD,
                "keyword": _KEYWORD,
                "number": {"type": "double"},
                "bool": {"type": "boolean"},
            },
        },
        "attrs_text": {**_TEXT_ZH_EN, "copy_to": "all"},
        # Pinyin of the Chinese names (mall.search.documents.pinyin_fields): "bijiben" finds
        # 笔记本, "lianxiang" finds 联想.
        "pinyin": {
            "properties": {
                "title": _PINYIN_TEXT,
                "brand": _PINYIN_TEXT,
                "category": _PINYIN_TEXT,
                "joined": _PINYIN_KEY,
                "initials": _PINYIN_KEY,
            }
        },
        # Everything a purchaser might type, in one field: the recall net of a search.
        "all": _ALL,
        "suggest": {
            "type": "text",
            "analyzer": "autocomplete",
            "search_analyzer": "autocomplete_search",
            "fields": {
                "raw": {"type": "keyword", "normalizer": "folded"},
                "prefix": {"type": "text", "analyzer": "prefix",
                           "search_analyzer": "prefix_search"},
            },
        },
    },
}


def index_body(replicas: int = 0, refresh_interval: str = "1s",
               shards: int = 1) -> dict[str, Any]:
    return {
        "settings": {
            "index": {
                "number_of_shards": shards,
                "number_of_replicas": replicas,
                "refresh_interval": refresh_interval,
                "max_ngram_diff": 30,
            },
            "analysis": ANALYSIS,
        },
        "mappings": MAPPINGS,
    }


def new_index_name(alias: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S%f")
    return f"{alias}-v{MAPPING_VERSION}-{stamp}"
