"""Requirement checks as data: what a purchaser may not write into a requirement.

Every rule is a code with its citation and messages in Chinese and English, and patterns or
word lists per language. ``check_requirement`` (pure: no database, no Flask) applies them to
a text and answers findings with character spans into that text.

The rules follow the PRC Government Procurement Law Implementing Regulations, Art. 20 (no
differential or discriminatory treatment of suppliers) and the SME Measures, Art. 5 (no size
conditions), which the US FAR 11.104-11.105 (brand-name items) and 9.202 echo.

Past 400 lines on purpose: everything above ``Finding`` is rule data (citations, word lists,
patterns per language) that reads best in one place; the matcher below it is ~170 lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

BLOCK = "block"
WARN = "warn"

BRAND_NAMED = "brand_named"
MODEL_NAMED = "model_named"
UNNECESSARY_QUALIFICATION = "unnecessary_qualification"
LOCAL_RESTRICTION = "local_restriction"
DISCRIMINATORY_CERTIFICATE = "discriminatory_certificate"


@dataclass(frozen=True)
class RuleText:
    """What a finding of one code says, and the rule it cites, in both languages."""

    citation_zh: str
    citation_en: str
    message_zh: str  # str.format with {match}
    message_en: str
    softened_zh: str = ""  # the message when "or equivalent" lowers it to a warning
    softened_en: str = ""


RULES: dict[str, RuleText] = {
    BRAND_NAMED: RuleText(
        "《政府采购法实施条例》第二十条第（六）项：不得限定或者指定特定的专利、商标、品牌或者供应商",
        "PRC Government Procurement Law Implementing Regulations, Art. 20(6): a requirement "
        "may not specify or name a particular patent, trademark, brand or supplier",
        "采购需求指定了品牌“{match}”。请改写为功能和性能参数。",
        "The requirement names the brand “{match}”. Describe the function and performance "
        "needed instead.",
        "采购需求提到品牌“{match}”并注明“或同等”：可以，但须写明判断同等的参数。",
        "The requirement names the brand “{match}” with “or equivalent”: allowed, but state "
        "the characteristics an equivalent must have.",
    ),
    MODEL_NAMED: RuleText(
        "《政府采购法实施条例》第二十条第（三）项、第（六）项：技术要求不得指向特定产品",
        "PRC Government Procurement Law Implementing Regulations, Art. 20(3) and (6): "
        "technical requirements may not point to a particular product",
        "采购需求指定了型号“{match}”。请改写为功能和性能参数。",
        "The requirement names the model “{match}”. Describe the function and performance "
        "needed instead.",
        "采购需求提到型号“{match}”并注明“或同等”：可以，但须写明判断同等的参数。",
        "The requirement names the model “{match}” with “or equivalent”: allowed, but state "
        "the characteristics an equivalent must have.",
    ),
    UNNECESSARY_QUALIFICATION: RuleText(
        "《政府采购促进中小企业发展管理办法》第五条、《政府采购法实施条例》第二十条第（二）项："
        "不得以注册资本、资产总额、营业收入、从业人员、成立年限等规模条件设定资格",
        "SME Measures for Government Procurement, Art. 5, and Implementing Regulations, "
        "Art. 20(2): no qualification by registered capital, assets, turnover, headcount or "
        "years in business",
        "“{match}”是与履约无关的企业规模或年限条件，不得作为资格要求。",
        "“{match}” is a condition on the supplier's size or age unrelated to the contract; "
        "it may not be a qualification.",
    ),
    LOCAL_RESTRICTION: RuleText(
        "《政府采购法实施条例》第二十条第（七）项：不得非法限定供应商的所在地",
        "PRC Government Procurement Law Implementing Regulations, Art. 20(7): a supplier's "
        "location may not be restricted",
        "“{match}”限定了供应商的所在地或要求本地机构。可在合同中约定履约服务要求。",
        "“{match}” restricts where the supplier is registered or located. Put service "
        "levels in the contract instead.",
    ),
    DISCRIMINATORY_CERTIFICATE: RuleText(
        "《政府采购法实施条例》第二十条第（四）项：不得以特定的奖项、荣誉、排名作为条件",
        "PRC Government Procurement Law Implementing Regulations, Art. 20(4): awards, "
        "honours or rankings may not be made a condition",
        "“{match}”是与采购标的无关的奖项、荣誉或排名，不得作为条件。",
        "“{match}” is an award, honour or ranking unrelated to the goods; it may not be a "
        "condition.",
    ),
}

# --- word lists ------------------------------------------------------------------------------

# Brands shipped with the rules (the demo catalogue's and common office-equipment brands),
# English and Chinese names; the catalogue's own brands are added at check time.
SHIPPED_BRANDS: tuple[str, ...] = (
    "Lenovo", "联想", "Huawei", "华为", "Dell", "戴尔", "HP", "惠普", "Hewlett-Packard",
    "Tongfang", "同方", "Great Wall", "长城", "Apple", "苹果", "Xiaomi", "小米", "Inspur",
    "浪潮", "H3C", "新华三", "xFusion", "超聚变", "Sugon", "中科曙光", "曙光", "Canon", "佳能",
    "Epson", "爱普生", "Brother", "兄弟", "Ricoh", "理光", "Kyocera", "京瓷", "Fuji Xerox",
    "Xerox", "施乐", "富士施乐", "Pantum", "奔图", "Samsung", "三星", "LG", "AOC", "Philips",
    "飞利浦", "BenQ", "明基", "ASUS", "华硕", "Acer", "宏碁", "Haier", "海尔", "Midea", "美的",
    "Gree", "格力", "Hisense", "海信", "TCL", "Sony", "索尼", "Panasonic", "松下", "Cisco",
    "思科", "Deli", "得力", "M&G", "晨光", "Comix", "齐心", "Microsoft", "微软", "Intel",
    "英特尔", "AMD", "IBM", "Oracle", "甲骨文", "Kingsoft", "金山", "Hikvision", "海康威视",
    "Dahua", "大华", "Ruijie", "锐捷", "ZTE", "中兴", "Toshiba", "东芝", "Sharp", "夏普",
    "Konica Minolta", "柯尼卡美能达", "Logitech", "罗技",
)
# Names that are also ordinary words (苹果 is an apple, 长城 the Great Wall): a finding only
# with a brand cue in the same sentence or a model right after the name.
AMBIGUOUS_BRANDS: frozenset[str] = frozenset({
    "苹果", "小米", "长城", "兄弟", "同方", "曙光", "金山", "大华", "美的", "Apple", "Brother",
    "Sharp", "Great Wall", "Deli", "得力", "晨光", "齐心", "Oracle",
})
BRAND_CUES = re.compile(r"品牌|牌子|原厂|厂家|厂商|\bbrand|\bmanufactur|\bmade by", re.I)
SHIPPED_MODELS: tuple[str, ...] = (
    "ThinkPad E14", "ThinkPad X1 Carbon", "ThinkCentre M90t", "MateBook 14", "MateBook X Pro",
    "Latitude 5440", "OptiPlex 7010", "Vostro 3020", "ProDesk 480 G9", "EliteDesk 800 G9",
    "ProBook 440 G10", "EliteBook 840", "PowerEdge R750", "ThinkSystem SR650 V2", "NF5280M6",
    "UniServer R4900 G5", "FusionServer 2288H V6", "TaiShan 200 2280", "P2422H", "MacBook Air",
    "MacBook Pro", "iPad", "iPhone", "LaserJet Pro", "LaserJet", "imageRUNNER", "CF276A",
)
# Product lines: a series name alone ("Dell Latitude") points at one maker's products.
SHIPPED_SERIES: tuple[str, ...] = (
    "ThinkPad", "ThinkCentre", "ThinkSystem", "ThinkBook", "IdeaPad", "Latitude", "OptiPlex",
    "Vostro", "Inspiron", "XPS", "PowerEdge", "Precision", "ProBook", "EliteBook", "EliteDesk",
    "ProDesk", "LaserJet", "MateBook", "MatePad", "MacBook", "iMac", "Surface", "Galaxy",
    "PIXMA", "imageRUNNER", "imageCLASS", "ProLiant", "UniServer", "FusionServer", "TaiShan",
    "iPad", "iPhone",
)
# Words after a brand that are not a model ("Dell laptops", "联想或同等").
_NOT_MODEL_WORDS = frozenset({
    "or", "and", "brand", "branded", "brands", "laptop", "laptops", "notebook", "notebooks",
    "computer", "computers", "desktop", "desktops", "printer", "printers", "monitor",
    "monitors", "server", "servers", "product", "products", "equipment", "equivalent",
    "series", "model", "models", "only", "toner", "tablet", "tablets", "devices", "device",
    "is", "must", "shall", "should", "with", "the", "a", "an", "of", "for", "to", "in",
})

# "or equivalent": lowers a brand or model finding in the same sentence to a warning.
SOFTENERS: dict[str, tuple[str, ...]] = {
    "zh": ("或同等", "或相当", "或等同", "或等效", "或同档次", "或以上同等", "或性能相当",
           "同等及以上", "或类似"),
    "en": (r"or\s+equivalent", r"or\s+equal", r"or\s+an?\s+equivalent", r"or\s+comparable",
           r"brand\s+name\s+or\s+equal"),
}
# "any brand": no brand finding at all in the same sentence.
BRAND_NEUTRAL: dict[str, tuple[str, ...]] = {
    "zh": ("品牌不限", "不限品牌", "不限定品牌", "不指定品牌", "品牌不作要求", "品牌不做要求",
           "不限制品牌"),
    "en": (r"any\s+brand", r"brand[-\s]neutral", r"no\s+brand\s+preference",
           r"regardless\s+of\s+(?:the\s+)?brand", r"brand\s+is\s+not\s+restricted",
           r"any\s+manufacturer"),
}
# Captures after "须为 … 品牌" that are not a brand.
_NOT_BRAND_NAMES = frozenset({
    "国产", "进口", "知名", "一线", "主流", "国际知名", "国内知名", "自主", "同一", "国际一线",
    "国内一线", "国际", "国内", "原装", "原厂", "正规", "合格", "该", "此", "其他", "任何",
    "指定", "名",
})

_NUM = r"[\d.,，一二两三四五六七八九十百千万亿]+"
_NOT_END = r"[^。；;！？!?\n]"

# Pattern rules: code -> language -> regular expressions (matched case-insensitively).
PATTERNS: dict[str, dict[str, tuple[str, ...]]] = {
    BRAND_NAMED: {
        "zh": (
            r"(?:必须为|必须是|须为|须是|应为|应是|限定为?|指定为?|限用|仅限|要求为)\s*[“\"「]?"
            r"(?P<name>(?:(?![或及和与、])[\u4e00-\u9fffA-Za-z0-9·&\-]){1,12}?)[”\"」]?\s*"
            r"(?:品牌|牌)(?!不限)",
            r"品牌\s*[:：]\s*(?P<name>(?!不限)[\u4e00-\u9fffA-Za-z0-9·&\-]{1,20})",
        ),
        "en": (
            r"\b(?:must|shall|should|is\s+to)\s+be\s+(?:an?\s+|the\s+)?"
            r"(?P<name>[A-Z][A-Za-z0-9&\-]+)[\s-]+brand(?:ed)?\b",
            r"\bbrand(?:\s+name)?\s*(?:must\s+be|shall\s+be|is|:)\s*"
            r"(?P<name>(?!any\b|not\b|neutral\b)[A-Z][A-Za-z0-9&\-]+)",
            r"\b(?:manufactured|made|produced)\s+by\s+(?P<name>[A-Z][A-Za-z0-9&\-]+)",
        ),
    },
    MODEL_NAMED: {
        "zh": (r"型号\s*(?:必须为|须为|应为|为|是|[:：])\s*"
               r"(?P<name>(?=[A-Za-z0-9\-]*\d)[A-Za-z0-9][A-Za-z0-9\-]{1,20})",),
        "en": (r"\bmodel(?:\s+number)?\s*(?:must\s+be|shall\s+be|is|:)\s*"
               r"(?P<name>(?=[A-Za-z0-9\-]*\d)[A-Za-z0-9][A-Za-z0-9\-]{1,20})",),
    },
    UNNECESSARY_QUALIFICATION: {
        "zh": (
            # registered capital, assets, turnover, profit, tax
            r"(?:注册资本|注册资金|实缴资本|资产总额|总资产|净资产|营业收入|营业额|年收入|"
            r"年销售额|销售收入|年营业额|营收|利润总额|年纳税额|纳税额)"
            rf"{_NOT_END}{{0,15}}?{_NUM}\s*(?:万|亿)?\s*元",
            # years in business
            rf"(?:成立|注册成立|设立)(?:时间|年限)?{_NOT_END}{{0,6}}?"
            rf"(?:满|不少于|不低于|超过|至少|达到|在)\s*{_NUM}\s*(?:个)?(?:周年|年)",
            rf"(?:经营|营业)(?:年限|时间|历史){_NOT_END}{{0,6}}?{_NUM}\s*(?:个)?(?:周年|年)",
            rf"{_NUM}\s*年(?:以上|及以上)?的?(?:经营|营业)(?:历史|年限|时间)",
            # headcount
            r"(?:员工|职工|从业人员|在职人员|在册人员|正式员工|企业人数|公司人数|社保缴纳人数)"
            rf"(?:总数|人数|数量)?{_NOT_END}{{0,8}}?{_NUM}\s*(?:名|人)",
        ),
        "en": (
            r"\b(?:registered|paid[-\s]in)\s+capital\b",
            r"\b(?:annual|yearly)\s+(?:turnover|revenue|revenues|sales)\b",
            r"\bturnover\s+of\b",
            r"\b(?:minimum|min\.)\s+(?:turnover|revenue)\b",
            r"\b(?:net|total)\s+assets\s+of\b",
            r"\b(?:in\s+business|in\s+operation|operating|trading|established|incorporated|"
            r"in\s+existence|founded)\s+(?:for\s+)?(?:at\s+least|a\s+minimum\s+of|more\s+than|"
            r"over|no\s+less\s+than|not\s+less\s+than|a\s+minimum)?\s*\d+\s*\+?\s*years?\b",
            r"\b\d+\s*\+?\s*years?\s+(?:in\s+business|of\s+(?:business|operation|operations|"
            r"trading|corporate\s+history)|in\s+operation|in\s+existence)\b",
            r"\b(?:at\s+least|a\s+minimum\s+of|no\s+fewer\s+than|not\s+less\s+than|"
            r"more\s+than|over|minimum\s+of)\s+[\d,]+\s+(?:full[-\s]time\s+)?"
            r"(?:employees|workers)\b",
            r"\b[\d,]+\s+or\s+more\s+(?:full[-\s]time\s+)?employees\b",
            r"\b(?:headcount|workforce)\s+of\b",
        ),
    },
    LOCAL_RESTRICTION: {
        "zh": (
            r"本(?:地|市|省|区|县)(?:注册)?的?(?:企业|供应商|公司|厂商)",
            r"(?:在|于)(?:本|当)(?:地|市|省|区|县)"
            rf"{_NOT_END}{{0,10}}?(?:设有|设立|拥有|注册|建有|有)"
            rf"{_NOT_END}{{0,10}}?(?:分支机构|分公司|办事处|子公司|常设机构|服务网点|"
            r"售后服务机构|营业场所|机构)",
            r"(?:本地|当地|本市|本省)(?:注册|登记|纳税|缴纳社保)",
            r"注册地(?:须|必须|应|需)?(?:为|在|位于)",
            r"(?:须|必须|应|需)在[\u4e00-\u9fff]{1,8}?(?:市|省|区|县)(?:注册|登记|设立)",
            r"外地(?:企业|供应商|公司)",
        ),
        "en": (
            r"\blocal\s+(?:office|branch|presence|suppliers?|vendors?|compan(?:y|ies)|firms?|"
            r"businesses|registration)\b",
            r"\bregistered\s+(?:in|within)\s+(?:the\s+|this\s+|our\s+)?(?:city|province|state|"
            r"county|municipality|district|region)\b",
            r"\b(?:headquartered|based|domiciled|incorporated)\s+(?:in|within)\s+"
            r"(?:the\s+|this\s+|our\s+)?(?:city|province|state|county|municipality)\b",
            r"\b(?:have|maintain|operate|has|with)\s+an?\s+(?:office|branch)\s+(?:in|within)\s+"
            r"(?:the\s+|this\s+|our\s+)?(?:city|province|state|county|municipality)\b",
            r"\b(?:in|out[-\s]of)[-\s]state\s+(?:suppliers?|vendors?|businesses|bidders?)\b",
        ),
    },
    DISCRIMINATORY_CERTIFICATE: {
        "zh": (
            r"(?:中国|世界|全球|全国|行业|省|市)?\s*(?:500|五百|100|一百)\s*强",
            r"百强",
            r"(?:省|市|中国)?(?:著名|驰名)商标",
            r"(?:省|市|中国)?名牌产品",
            r"(?:国际|国内)?(?:知名|一线)品牌",
            r"守合同重信用",
            r"AAA\s*级?(?:信用|资信)|(?:信用|资信)(?:等级)?\s*(?:为|达到)?\s*AAA",
            rf"获得?过?{_NOT_END}{{0,10}}?(?:奖项|荣誉称号|金奖|银奖|科技进步奖|质量奖)",
            rf"(?:行业|市场|销量|全国)排名前\s*{_NUM}",
        ),
        "en": (
            r"\bFortune\s+(?:Global\s+)?500\b",
            r"\baward[-\s]winning\b",
            r"\b(?:industry|national|provincial|state)\s+awards?\b",
            r"\bwon\s+(?:an?|the)\s[^.;\n]{0,20}?award\b",
            r"\branked\s+(?:among\s+)?(?:the\s+)?top\s+\d+",
            r"\btop[-\s]\d+\s+(?:suppliers?|vendors?|companies|brands|manufacturers)\b",
            r"\b(?:well[-\s]known|famous)\s+(?:trademarks?|brands?)\b",
            r"\bAAA\s+credit\s+rating\b",
        ),
    },
}


# --- the check -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # block | warn
    start: int
    end: int
    message_zh: str
    message_en: str
    rule_zh: str
    rule_en: str
    excerpt: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


_SENTENCE_END = re.compile(r"[。；;！？!?\n]|\.(?=\s|$)")
_HAN = re.compile(r"[\u3400-\u9fff]")
_COMPILED: dict[str, list[re.Pattern[str]]] = {
    code: [re.compile(p, re.I) for lang in ("zh", "en") for p in by_lang.get(lang, ())]
    for code, by_lang in PATTERNS.items()
}
_SOFTENER = re.compile("|".join(SOFTENERS["zh"] + SOFTENERS["en"]), re.I)
_NEUTRAL = re.compile("|".join(BRAND_NEUTRAL["zh"] + BRAND_NEUTRAL["en"]), re.I)
_MODEL_TOKEN = re.compile(r"\s?([A-Za-z0-9][A-Za-z0-9\-+]*)")
_MODEL_LIKE = re.compile(r"(?=.*\d)(?=.*[A-Za-z])")


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence around [start, end)."""
    left = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        left = m.end()
    after = _SENTENCE_END.search(text, end)
    return left, (after.start() if after else len(text))


def _name_pattern(names: Iterable[str], text: str) -> re.Pattern[str] | None:
    """One pattern for those of ``names`` that may occur in ``text``: Chinese ones as written;
    Latin ones as whole words, any case, except short ones ("HP", "LG"), which match as
    written and never after a number ("5 hp" is horsepower).

    Names are first screened by a plain substring test, so a catalogue of thousands of
    brands and models costs one pass over the list, not a pattern of thousands of choices.
    """
    lowered = text.lower()
    parts = []
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        if _HAN.search(name):
            if len(name) < 2 or name not in text:
                continue
            parts.append(re.escape(name))
        else:
            words = name.split()
            if len(name) < 2 or name.isdigit() or max(words, key=len).lower() not in lowered:
                continue
            body = r"[\s\-]*".join(re.escape(w) for w in words)
            if len(name) <= 3:
                parts.append(rf"(?-i:(?<![A-Za-z0-9])(?<!\d\s){body}(?![A-Za-z0-9]))")
            else:
                parts.append(rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])")
    return _compiled_names(tuple(parts)) if parts else None


@lru_cache(maxsize=256)
def _compiled_names(parts: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(parts), re.I)


def _finding(code: str, text: str, start: int, end: int, soft: bool) -> Finding:
    rule = RULES[code]
    match = text[start:end]
    zh = rule.softened_zh if soft and rule.softened_zh else rule.message_zh
    en = rule.softened_en if soft and rule.softened_en else rule.message_en
    return Finding(code=code, severity=WARN if soft else BLOCK, start=start, end=end,
                   message_zh=zh.format(match=match), message_en=en.format(match=match),
                   rule_zh=rule.citation_zh, rule_en=rule.citation_en, excerpt=match)


def _model_after(text: str, end: int, series: set[str]) -> int:
    """Where a model named right after a brand ends ("Dell Latitude 5440"), or ``end``."""
    pos, found = end, end
    for _ in range(3):
        m = _MODEL_TOKEN.match(text, pos)
        if not m:
            break
        word = m.group(1)
        if word.lower() in _NOT_MODEL_WORDS:
            break
        if not (_MODEL_LIKE.search(word) or word.lower() in series
                or (word[:1].isupper() and any(c.isupper() for c in word[1:]))
                or (found > end and (word[:1].isupper() or word[:1].isdigit()))):
            break
        pos = found = m.end()
    return found


def check_requirement(text: str, known_brands: Iterable[str] = (),
                      known_models: Iterable[str] = ()) -> list[Finding]:
    """Every finding in ``text``, in order of position.

    ``known_brands`` and ``known_models`` are the catalogue's (offer brands and models);
    the shipped lists are always added.
    """
    findings: list[Finding] = []
    models = [*SHIPPED_MODELS, *known_models]
    series = {s.lower() for s in SHIPPED_SERIES}
    for model in models:
        first = model.split()[0] if " " in model else ""
        if len(first) >= 4 and first.isalpha() and any(c.isupper() for c in first[1:]):
            series.add(first.lower())

    def soft(start: int, end: int) -> bool:
        left, right = _sentence(text, start, end)
        return _SOFTENER.search(text, left, right) is not None

    def neutral(start: int, end: int) -> bool:
        left, right = _sentence(text, start, end)
        return _NEUTRAL.search(text, left, right) is not None

    # Brands and models the catalogue knows.
    brand_re = _name_pattern([*SHIPPED_BRANDS, *known_brands], text)
    ambiguous = {b.lower() for b in AMBIGUOUS_BRANDS}
    if brand_re:
        for m in brand_re.finditer(text):
            start, end = m.span()
            if neutral(start, end):
                continue
            model_end = _model_after(text, end, series)
            if m.group(0).lower() in ambiguous and model_end == end \
                    and not text.startswith(("牌", "品牌"), end):
                left, right = _sentence(text, start, end)
                if not BRAND_CUES.search(text, left, right):
                    continue
            findings.append(_finding(BRAND_NAMED, text, start, end, soft(start, end)))
            if model_end > end:
                mstart = end + (1 if text[end].isspace() else 0)
                findings.append(_finding(MODEL_NAMED, text, mstart, model_end,
                                         soft(start, model_end)))
    model_re = _name_pattern([*models, *SHIPPED_SERIES], text)
    if model_re:
        for m in model_re.finditer(text):
            findings.append(_finding(MODEL_NAMED, text, m.start(), m.end(),
                                     soft(m.start(), m.end())))

    # Pattern rules.
    for code, patterns in _COMPILED.items():
        for pattern in patterns:
            for m in pattern.finditer(text):
                start, end = m.span()
                if code in (BRAND_NAMED, MODEL_NAMED):
                    name = m.groupdict().get("name")
                    if name is None or name in _NOT_BRAND_NAMES:
                        continue
                    if code == BRAND_NAMED and neutral(start, end):
                        continue
                    start, end = m.span("name")
                    findings.append(_finding(code, text, start, end, soft(start, end)))
                else:
                    findings.append(_finding(code, text, start, end, False))
    return _deduplicated(findings)


def _deduplicated(findings: list[Finding]) -> list[Finding]:
    """One finding per code where several rules matched overlapping text (the longest)."""
    kept: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.start, -(f.end - f.start))):
        if any(k.code == f.code and k.start < f.end and f.start < k.end for k in kept):
            continue
        kept.append(f)
    return sorted(kept, key=lambda f: (f.start, f.code))
