"""The fixed relevance catalog and the judged queries, shared by the suite and the benchmark.

Judgments are defined by the offers' real properties (category, brand, model, attributes),
written down before looking at the engine's output, on this scale:

    3 = the exact product (or the exact kind the query names: brand, size, weight...)
    2 = the right category
    1 = related (the same brand elsewhere, an accessory of the category)
    0 = wrong

NDCG@10 is computed against the ideal ordering of the *whole* catalog, so a relevant offer
the engine fails to retrieve costs as much as a badly ranked one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tests.factories.accounts import make_org
from tests.factories.catalog import make_agreement, make_category, make_offer

# --------------------------------------------------------------------------------------------
# Categories (code, parent, zh, en, attribute template)

_NUM = "number"
CATEGORIES: list[tuple[str, str | None, str, str, list[dict[str, Any]]]] = [
    ("RA02", None, "设备", "Equipment", []),
    ("RA0201", "RA02", "计算机设备", "Computers", []),
    ("RA020101", "RA0201", "台式计算机", "Desktop computers", [
        {"key": "cpu", "name_zh": "处理器", "name_en": "CPU", "type": "enum",
         "allowed_values": ["i3", "i5", "i7"], "facet": True},
        {"key": "memory_gb", "name_zh": "内存", "name_en": "Memory", "type": _NUM, "unit": "GB",
         "facet": True},
    ]),
    ("RA020102", "RA0201", "笔记本电脑", "Laptops", [
        {"key": "cpu", "name_zh": "处理器", "name_en": "CPU", "type": "enum",
         "allowed_values": ["i5", "i7", "Ryzen 5", "Ryzen 7"], "facet": True},
        {"key": "memory_gb", "name_zh": "内存", "name_en": "Memory", "type": _NUM, "unit": "GB",
         "facet": True},
        {"key": "screen_in", "name_zh": "屏幕尺寸", "name_en": "Screen", "type": _NUM,
         "unit": "英寸", "facet": True},
        {"key": "touchscreen", "name_zh": "触摸屏", "name_en": "Touchscreen", "type": "bool",
         "facet": True},
    ]),
    ("RA020103", "RA0201", "显示器", "Monitors", [
        {"key": "screen_in", "name_zh": "屏幕尺寸", "name_en": "Screen", "type": _NUM,
         "unit": "英寸", "facet": True},
        {"key": "resolution", "name_zh": "分辨率", "name_en": "Resolution", "type": "enum",
         "allowed_values": ["1920x1080", "2560x1440", "3840x2160"], "facet": True},
    ]),
    ("RA0202", "RA02", "打印设备", "Printing equipment", []),
    ("RA020201", "RA0202", "激光打印机", "Laser printers", [
        {"key": "duplex", "name_zh": "自动双面", "name_en": "Duplex", "type": "bool",
         "facet": True},
        {"key": "ppm", "name_zh": "打印速度", "name_en": "Speed", "type": _NUM, "unit": "页/分",
         "facet": True},
    ]),
    ("RA05", None, "办公用品", "Office supplies", []),
    ("RA0501", "RA05", "纸张", "Paper", []),
    ("RA050101", "RA0501", "复印纸", "Copy paper", [
        {"key": "size", "name_zh": "规格", "name_en": "Size", "type": "enum",
         "allowed_values": ["A4", "A3"], "facet": True},
        {"key": "weight_gsm", "name_zh": "克重", "name_en": "Weight", "type": _NUM,
         "unit": "g/m²", "facet": True},
    ]),
    ("RA050102", "RA0501", "笔记本/记事本", "Paper notebooks / notepads", [
        {"key": "size", "name_zh": "规格", "name_en": "Size", "type": "enum",
         "allowed_values": ["A5", "B5", "A4"], "facet": True},
        {"key": "pages", "name_zh": "页数", "name_en": "Pages", "type": _NUM, "unit": "页",
         "facet": True},
    ]),
    ("RA0502", "RA05", "耗材", "Consumables", []),
    ("RA050201", "RA0502", "硒鼓", "Toner cartridges", [
        {"key": "yield_pages", "name_zh": "打印页数", "name_en": "Yield", "type": _NUM,
         "unit": "页", "facet": True},
    ]),
    ("RA0503", "RA05", "书写工具", "Writing instruments", []),
    ("RA050301", "RA0503", "中性笔", "Gel pens", [
        {"key": "tip_mm", "name_zh": "笔尖", "name_en": "Tip", "type": _NUM, "unit": "mm",
         "facet": True},
    ]),
    ("RA06", None, "家具", "Furniture", []),
    ("RA0601", "RA06", "办公椅", "Office chairs", [
        {"key": "material", "name_zh": "材质", "name_en": "Material", "type": "enum",
         "allowed_values": ["网布", "皮革", "布艺"], "facet": True},
        {"key": "armrest", "name_zh": "扶手", "name_en": "Armrest", "type": "bool",
         "facet": True},
    ]),
]

LAPTOP, DESKTOP, MONITOR, PRINTER = "RA020102", "RA020101", "RA020103", "RA020201"
PAPER, NOTEBOOK, TONER, PEN, CHAIR = "RA050101", "RA050102", "RA050201", "RA050301", "RA0601"


@dataclass(frozen=True)
class ProductSpec:
    category: str
    brand: str
    brand_zh: str
    model: str
    title: str
    title_en: str
    attributes: dict[str, Any]
    price: str
    description: str = ""


def _laptop(brand: str, zh: str, model: str, cpu: str, mem: int, screen: float, price: str,
            touch: bool = False) -> ProductSpec:
    inch = f"{screen:g}"
    return ProductSpec(
        LAPTOP, brand, zh, model,
        f"{zh} {model} {inch}英寸 笔记本电脑 {cpu}/{mem}G/512G固态",
        f"{brand} {model} {inch}-inch laptop {cpu} {mem}GB 512GB SSD",
        {"cpu": cpu, "memory_gb": mem, "screen_in": screen, "touchscreen": touch}, price,
        "商务办公便携式计算机，含三年保修。",
    )


def _paper(brand: str, zh: str, size: str, gsm: int, price: str) -> ProductSpec:
    return ProductSpec(
        PAPER, brand, zh, f"{size} {gsm}g",
        f"{zh} {size} 复印纸 {gsm}g/m² 500张/包 5包/箱",
        f"{brand} {size} copy paper {gsm} gsm, 500 sheets x 5 reams",
        {"size": size, "weight_gsm": gsm}, price,
    )


def _notebook(brand: str, zh: str, model: str, size: str, pages: int, price: str,
              word: str = "笔记本") -> ProductSpec:
    return ProductSpec(
        NOTEBOOK, brand, zh, model,
        f"{zh} {model} {size} {word} {pages}页 软抄本",
        f"{brand} {model} {size} paper notebook, {pages} pages",
        {"size": size, "pages": pages}, price,
    )


PRODUCTS: list[ProductSpec] = [
    # Laptops
    _laptop("Lenovo", "联想", "ThinkPad E14", "i5", 16, 14, "5299.00"),
    _laptop("Lenovo", "联想", "ThinkPad X1 Carbon", "i7", 32, 14, "10999.00", touch=True),
    _laptop("Lenovo", "联想", "IdeaPad 5", "Ryzen 5", 16, 15.6, "4599.00"),
    _laptop("HP", "惠普", "ProBook 440 G10", "i5", 16, 14, "5099.00"),
    _laptop("HP", "惠普", "EliteBook 840 G10", "i7", 32, 14, "8999.00"),
    _laptop("Dell", "戴尔", "Latitude 5440", "i5", 16, 14, "5599.00"),
    _laptop("Dell", "戴尔", "Vostro 3420", "i5", 8, 14, "3999.00"),
    _laptop("Huawei", "华为", "MateBook D14", "i5", 16, 14, "4699.00"),
    # Desktops
    ProductSpec(DESKTOP, "Lenovo", "联想", "ThinkCentre M70t",
                "联想 ThinkCentre M70t 台式计算机 i5/16G",
                "Lenovo ThinkCentre M70t desktop computer i5 16GB",
                {"cpu": "i5", "memory_gb": 16}, "4299.00"),
    ProductSpec(DESKTOP, "HP", "惠普", "ProDesk 400 G9", "惠普 ProDesk 400 G9 台式机 i5/8G",
                "HP ProDesk 400 G9 desktop PC i5 8GB", {"cpu": "i5", "memory_gb": 8}, "3899.00"),
    ProductSpec(DESKTOP, "Dell", "戴尔", "OptiPlex 7010", "戴尔 OptiPlex 7010 台式电脑 i7/16G",
                "Dell OptiPlex 7010 desktop computer i7 16GB",
                {"cpu": "i7", "memory_gb": 16}, "5199.00"),
    # Monitors
    ProductSpec(MONITOR, "Dell", "戴尔", "P2422H", "戴尔 P2422H 23.8英寸 显示器 IPS",
                "Dell P2422H 24-inch monitor IPS", {"screen_in": 24, "resolution": "1920x1080"},
                "1199.00"),
    ProductSpec(MONITOR, "Dell", "戴尔", "U2723QE", "戴尔 U2723QE 27英寸 4K 显示器",
                "Dell U2723QE 27-inch 4K monitor", {"screen_in": 27, "resolution": "3840x2160"},
                "3799.00"),
    ProductSpec(MONITOR, "HP", "惠普", "E24 G5", "惠普 E24 G5 23.8英寸 液晶显示器",
                "HP E24 G5 24-inch LCD monitor", {"screen_in": 24, "resolution": "1920x1080"},
                "1099.00"),
    ProductSpec(MONITOR, "Lenovo", "联想", "ThinkVision T27i",
                "联想 ThinkVision T27i 27英寸 显示器",
                "Lenovo ThinkVision T27i 27-inch monitor",
                {"screen_in": 27, "resolution": "1920x1080"}, "1499.00"),
    ProductSpec(MONITOR, "AOC", "AOC", "24B2XH", "AOC 24B2XH 23.8英寸 显示屏 办公",
                "AOC 24B2XH 24-inch office display", {"screen_in": 24, "resolution": "1920x1080"},
                "699.00"),
    # Laser printers
    ProductSpec(PRINTER, "HP", "惠普", "LaserJet Pro M404dn",
                "惠普 LaserJet Pro M404dn 黑白激光打印机 自动双面",
                "HP LaserJet Pro M404dn mono laser printer, duplex", {"duplex": True, "ppm": 38},
                "2399.00"),
    ProductSpec(PRINTER, "Brother", "兄弟", "HL-L2350DW", "兄弟 HL-L2350DW 黑白激光打印机 无线",
                "Brother HL-L2350DW mono laser printer, wireless", {"duplex": True, "ppm": 30},
                "1299.00"),
    ProductSpec(PRINTER, "Canon", "佳能", "LBP2900+", "佳能 LBP2900+ 激光打印机 A4",
                "Canon LBP2900+ laser printer A4", {"duplex": False, "ppm": 14}, "1099.00"),
    ProductSpec(PRINTER, "Deli", "得力", "P2500DNW", "得力 P2500DNW 激光打印机 双面 网络",
                "Deli P2500DNW laser printer, duplex, network", {"duplex": True, "ppm": 25},
                "1399.00"),
    # Toner cartridges (titles name the printers they fit: related words, not the category)
    ProductSpec(TONER, "HP", "惠普", "CF276A", "惠普 CF276A 黑色硒鼓 76A 适用M404dn",
                "HP CF276A black toner cartridge 76A", {"yield_pages": 3000}, "689.00"),
    ProductSpec(TONER, "Brother", "兄弟", "TN-2425", "兄弟 TN-2425 墨粉盒 适用HL-L2350DW",
                "Brother TN-2425 toner cartridge", {"yield_pages": 3000}, "429.00"),
    ProductSpec(TONER, "Canon", "佳能", "CRG-303", "佳能 CRG-303 硒鼓 适用LBP2900",
                "Canon CRG-303 toner cartridge", {"yield_pages": 2000}, "399.00"),
    ProductSpec(TONER, "Deli", "得力", "DLT-2500", "得力 DLT-2500 粉盒 黑色",
                "Deli DLT-2500 black toner", {"yield_pages": 1600}, "199.00"),
    # Copy paper
    _paper("Double A", "达伯埃", "A4", 80, "189.00"),
    _paper("Double A", "达伯埃", "A4", 70, "159.00"),
    _paper("Double A", "达伯埃", "A3", 80, "369.00"),
    _paper("Deli", "得力", "A4", 70, "129.00"),
    _paper("Deli", "得力", "A4", 80, "149.00"),
    _paper("Deli", "得力", "A3", 70, "259.00"),
    _paper("Asia Symbol", "亚太森博", "A4", 70, "135.00"),
    _paper("Chenming", "晨鸣", "A4", 80, "155.00"),
    # Paper notebooks
    _notebook("Deli", "得力", "7656", "A5", 80, "6.50"),
    _notebook("Deli", "得力", "3160", "B5", 60, "4.90", word="记事本"),
    _notebook("Comix", "齐心", "C5902", "B5", 100, "8.80"),
    _notebook("M&G", "晨光", "APYE4A", "A5", 96, "7.20", word="记事本"),
    _notebook("Kinbor", "国誉", "KB-A4", "A4", 120, "15.00"),
    # Gel pens
    ProductSpec(PEN, "Deli", "得力", "S01", "得力 S01 中性笔 0.5mm 黑色 12支/盒",
                "Deli S01 gel pen 0.5 mm black, box of 12", {"tip_mm": 0.5}, "12.00"),
    ProductSpec(PEN, "M&G", "晨光", "GP-1390", "晨光 GP-1390 中性笔 0.38mm 12支/盒",
                "M&G GP-1390 gel pen 0.38 mm, box of 12", {"tip_mm": 0.38}, "15.00"),
    ProductSpec(PEN, "Pilot", "百乐", "BL-G1-5T", "百乐 BL-G1-5T 签字笔 0.5mm",
                "Pilot G-1 gel ink pen 0.5 mm", {"tip_mm": 0.5}, "9.00"),
    # Office chairs
    ProductSpec(CHAIR, "UE", "永艺", "XY-1", "永艺 XY-1 人体工学 网布办公椅",
                "UE XY-1 ergonomic mesh office chair", {"material": "网布", "armrest": True},
                "899.00"),
    ProductSpec(CHAIR, "Sihoo", "西昊", "M57", "西昊 M57 网布 职员椅 带扶手",
                "Sihoo M57 mesh desk chair with armrests", {"material": "网布", "armrest": True},
                "699.00"),
    ProductSpec(CHAIR, "Deli", "得力", "4910", "得力 4910 皮革 办公椅 会议椅",
                "Deli 4910 leather office chair", {"material": "皮革", "armrest": False},
                "459.00"),
]

# Suppliers: name, size class, delivery regions of their offers.
SUPPLIERS: list[tuple[str, str, list[str]]] = [
    ("北京华信科技有限公司", "small", ["*"]),
    ("上海联合办公用品有限公司", "micro", ["CN-SH", "CN-JS", "CN-ZJ"]),
    ("广州南方商贸有限公司", "medium", ["CN-GD"]),
    ("中国办公集团有限公司", "large", ["*"]),
    ("天津顺达文具有限公司", "small", ["CN-TJ", "CN-BJ"]),
    ("成都西部信息技术有限公司", "micro", ["CN-SC"]),
]


@dataclass
class CatalogOffer:
    """An indexed offer with the facts the judgments use."""

    offer_id: int
    product: ProductSpec
    supplier_index: int


@dataclass
class Catalog:
    offers: list[Any] = field(default_factory=list)  # the Offer rows
    facts: dict[int, ProductSpec] = field(default_factory=dict)


def build_catalog(session: Session, replicas: int = 1, today: date | None = None) -> Catalog:
    """Every product offered by several suppliers (``replicas`` multiplies the suppliers).

    ``replicas=1`` gives 44 products x 5 offers = 220 offers.
    """
    today = today or date.today()
    categories: dict[str, Any] = {}
    for code, parent, zh, en, template in CATEGORIES:
        categories[code] = make_category(session, code=code, parent=categories.get(parent),
                                         attributes=template, name_zh=zh, name_en=en)
    suppliers = []
    for r in range(replicas):
        for name, size, regions in SUPPLIERS:
            suffix = f"{r + 1}分公司" if r else ""
            suppliers.append((make_org(session, kind="supplier", name=f"{name}{suffix}",
                                       size=size), regions))
    agreements = {}
    for n, code in enumerate([LAPTOP, DESKTOP, MONITOR, PRINTER, PAPER, NOTEBOOK, TONER, PEN,
                              CHAIR]):
        agreements[code] = make_agreement(session, category=categories[code],
                                          suppliers=[s for s, _ in suppliers], ceiling=None,
                                          number=f"GC-R{n:02d}-{replicas}", today=today)
    catalog = Catalog()
    per_product = 5 * replicas
    for p, product in enumerate(PRODUCTS):
        for k in range(per_product):
            supplier, regions = suppliers[(p + k) % len(suppliers)]
            price = Decimal(product.price) * (Decimal(100 + 3 * k) / 100)
            offer = make_offer(
                session, agreement=agreements[product.category], supplier=supplier,
                sku=f"R{p:03d}-{k:03d}", brand=product.brand, model=product.model,
                title=product.title, title_en=product.title_en,
                description=product.description or None,
                price=price.quantize(Decimal("0.01")), attributes=dict(product.attributes),
                regions=list(regions), stock=0 if k == 2 else 20 + k,
                valid_until=today + timedelta(days=200),
            )
            catalog.offers.append(offer)
            catalog.facts[offer.id] = product
    return catalog


# --------------------------------------------------------------------------------------------
# Judged queries

Grader = Callable[[ProductSpec], int]


@dataclass(frozen=True)
class Judged:
    q: str
    exact: Callable[[ProductSpec], bool] | None = None  # grade 3
    category: str | tuple[str, ...] | None = None  # grade 2
    related: Callable[[ProductSpec], bool] | None = None  # grade 1

    def grade(self, p: ProductSpec) -> int:
        if self.exact and self.exact(p):
            return 3
        cats = (self.category,) if isinstance(self.category, str) else (self.category or ())
        if p.category in cats:
            return 2
        if self.related and self.related(p):
            return 1
        return 0


def model(name: str) -> Callable[[ProductSpec], bool]:
    return lambda p: p.model == name


def brand(name: str, category: str | None = None) -> Callable[[ProductSpec], bool]:
    return lambda p: p.brand == name and (category is None or p.category == category)


def attr(category: str, **wanted: Any) -> Callable[[ProductSpec], bool]:
    return lambda p: p.category == category and all(
        p.attributes.get(k) == v for k, v in wanted.items())


JUDGED: list[Judged] = [
    # Categories, Chinese and English, with synonyms
    Judged("笔记本电脑", category=LAPTOP),
    Judged("laptop", category=LAPTOP),
    Judged("便携式计算机", category=LAPTOP),
    Judged("notebook computer", category=LAPTOP),
    Judged("台式机", category=DESKTOP),
    Judged("desktop computer", category=DESKTOP),
    Judged("显示器", category=MONITOR),
    Judged("复印纸", category=PAPER),
    Judged("copy paper", category=PAPER),
    Judged("硒鼓", category=TONER, related=lambda p: p.category == PRINTER),
    Judged("toner", category=TONER, related=lambda p: p.category == PRINTER),
    Judged("打印机", category=PRINTER, related=lambda p: p.category == TONER),
    Judged("记事本", category=NOTEBOOK),
    Judged("notepad", category=NOTEBOOK),
    Judged("办公椅", category=CHAIR),
    Judged("gel pen", category=PEN),
    # Model numbers, however typed
    Judged("thinkpad e14", exact=model("ThinkPad E14"), category=LAPTOP,
           related=brand("Lenovo")),
    Judged("ThinkPad-E14", exact=model("ThinkPad E14"), category=LAPTOP,
           related=brand("Lenovo")),
    Judged("E14", exact=model("ThinkPad E14"), category=LAPTOP),
    Judged("联想 ThinkPad E14", exact=model("ThinkPad E14"), category=LAPTOP,
           related=brand("Lenovo")),
    Judged("CF276A", exact=model("CF276A"), category=TONER),
    Judged("hp probook 440", exact=model("ProBook 440 G10"), category=LAPTOP,
           related=brand("HP")),
    Judged("P2422H", exact=model("P2422H"), category=MONITOR),
    # Typos of brands and series (never of model numbers)
    Judged("lenvo", exact=brand("Lenovo")),
    Judged("thinkpda e14", exact=model("ThinkPad E14"), category=LAPTOP,
           related=brand("Lenovo")),
    Judged("latitdue", exact=model("Latitude 5440"), category=LAPTOP),
    # Brand + category, across languages
    Judged("联想笔记本电脑", exact=brand("Lenovo", LAPTOP), category=LAPTOP,
           related=brand("Lenovo")),
    Judged("dell laptop", exact=brand("Dell", LAPTOP), category=LAPTOP, related=brand("Dell")),
    Judged("华为 笔记本电脑", exact=brand("Huawei", LAPTOP), category=LAPTOP),
    Judged("惠普 激光打印机", exact=brand("HP", PRINTER), category=PRINTER,
           related=brand("HP")),
    Judged("dell monitor", exact=brand("Dell", MONITOR), category=MONITOR,
           related=brand("Dell")),
    Judged("得力 复印纸", exact=brand("Deli", PAPER), category=PAPER, related=brand("Deli")),
    Judged("hp toner", exact=brand("HP", TONER), category=TONER, related=brand("HP")),
    # Specs
    Judged("A4 复印纸 80g", exact=attr(PAPER, size="A4", weight_gsm=80), category=PAPER),
    Judged("A3 copy paper", exact=attr(PAPER, size="A3"), category=PAPER),
    Judged("A4纸 70克", exact=attr(PAPER, size="A4", weight_gsm=70), category=PAPER),
    Judged("27英寸 显示器", exact=attr(MONITOR, screen_in=27), category=MONITOR),
    Judged("中性笔 0.5mm", exact=attr(PEN, tip_mm=0.5), category=PEN),
    Judged("网布办公椅", exact=attr(CHAIR, material="网布"), category=CHAIR),
    Judged("A5 笔记本", exact=attr(NOTEBOOK, size="A5"), category=NOTEBOOK),
]


def dcg(grades: list[int]) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def ndcg_at_10(ranked_grades: list[int], all_grades: list[int]) -> float:
    ideal = dcg(sorted(all_grades, reverse=True)[:10])
    if ideal == 0:
        return 1.0
    return dcg(ranked_grades[:10]) / ideal
