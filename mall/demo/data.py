"""Static reference data for the demo seeder: categories, brands, suppliers, purchasers, agreements.

Everything here is plain data (plus two pure helpers that compute check characters), so the
seeder stays deterministic. Codes imitate the Chinese government procurement item
classification (政府采购品目分类目录, scheme ``cn-gpc``); they are illustrative, not official.

Attribute templates are lists of dicts with the keys the ``CategoryAttribute`` model stores:
``key, name_zh, name_en, type (enum|number|text|bool), unit, values (enum only), facet,
required``. Two extra keys are used only by the seeder and never stored: ``samples`` (the
realistic values a generated product may take, for number/text/bool attributes) and, on a
brand's model series, ``fixed`` overrides that pin attributes a real model number implies.

Supplier and purchaser contact data, credit codes and supplier names are fictitious.

Long on purpose: it is one table of reference data (41 categories with their templates, brands
and model series), read top to bottom, with no logic to split by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEME = "cn-gpc"
DEMO_PASSWORD = "demo-password-1"

CENTER: dict[str, str] = {
    "name": "中央国家机关政府采购中心",
    "name_en": "Central Government Procurement Center",
    "region": "*",
    "slug": "mall",
}

# Province-level region codes (ISO 3166-2:CN) used for delivery areas.
REGIONS: tuple[str, ...] = (
    "CN-BJ", "CN-TJ", "CN-HE", "CN-SX", "CN-NM", "CN-LN", "CN-JL", "CN-HL", "CN-SH", "CN-JS",
    "CN-ZJ", "CN-AH", "CN-FJ", "CN-JX", "CN-SD", "CN-HA", "CN-HB", "CN-HN", "CN-GD", "CN-GX",
    "CN-HI", "CN-CQ", "CN-SC", "CN-GZ", "CN-YN", "CN-XZ", "CN-SN", "CN-GS", "CN-QH", "CN-NX",
    "CN-XJ",
)

# Administrative division code (first six digits after the type in a credit code) per region.
DIVISIONS: dict[str, str] = {
    "CN-BJ": "110108", "CN-TJ": "120116", "CN-SH": "310115", "CN-GD": "440106",
    "CN-ZJ": "330106", "CN-JS": "320106", "CN-SC": "510107", "CN-HB": "420106",
    "CN-SD": "370102", "CN-CQ": "500112",
}


# --------------------------------------------------------------------------------------------
# Credit codes (统一社会信用代码, GB 32100-2015) with valid check characters.

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code(body: str) -> str:
    """The 9-character organization code (GB 11714): 8 digits and a check character."""
    total = sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def credit_code(kind: str, division: str, serial: int) -> str:
    """An 18-character unified social credit code with valid check characters.

    ``kind`` is the two-character registration authority + type (``91`` enterprise,
    ``11`` government body, ``12`` public institution); ``serial`` makes it unique.
    """
    body = kind + division + _org_code(f"{(serial * 7_654_321 + 10_000_000) % 100_000_000:08d}")
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


# --------------------------------------------------------------------------------------------
# Attribute template builders.


def _enum(key: str, zh: str, en: str, values: list[str], *, facet: bool = True,
          required: bool = True, unit: str | None = None) -> dict[str, Any]:
    return {"key": key, "name_zh": zh, "name_en": en, "type": "enum", "unit": unit,
            "values": values, "facet": facet, "required": required}


def _num(key: str, zh: str, en: str, unit: str | None, samples: list[float], *,
         facet: bool = False, required: bool = True) -> dict[str, Any]:
    return {"key": key, "name_zh": zh, "name_en": en, "type": "number", "unit": unit,
            "facet": facet, "required": required, "samples": samples}


def _bool(key: str, zh: str, en: str, *, facet: bool = True,
          required: bool = False) -> dict[str, Any]:
    return {"key": key, "name_zh": zh, "name_en": en, "type": "bool", "unit": None,
            "facet": facet, "required": required, "samples": [True, False]}


def _text(key: str, zh: str, en: str, samples: list[str], *,
          required: bool = False) -> dict[str, Any]:
    return {"key": key, "name_zh": zh, "name_en": en, "type": "text", "unit": None,
            "facet": False, "required": required, "samples": samples}


@dataclass(frozen=True)
class Series:
    """A brand's model line; ``fixed`` pins attribute values (one value or a list to pick from)."""

    name: str
    fixed: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Brand:
    en: str
    zh: str
    series: tuple[Series, ...]


def _brand(en: str, zh: str, *series: str | tuple[str, dict[str, Any]]) -> Brand:
    out = []
    for s in series:
        out.append(Series(s) if isinstance(s, str) else Series(s[0], s[1]))
    return Brand(en, zh, tuple(out))


@dataclass(frozen=True)
class Leaf:
    """A leaf category with everything the seeder needs to generate realistic offers."""

    code: str
    name_zh: str
    name_en: str
    unit: str
    price: tuple[float, float]  # typical unit price range in CNY
    # str.format templates; fields: brand_zh, brand_en, series, model and attribute keys.
    title_zh: str
    title_en: str
    attributes: list[dict[str, Any]]
    brands: tuple[Brand, ...]
    # How a product's model string is formed; attribute fields here make distinct products.
    model_format: str = "{series}"
    gtin_share: float = 0.0  # share of products that carry a GTIN-13
    stock_max: int = 200
    lead_days: tuple[int, int] = (2, 10)
    weight: float = 1.0  # relative share of generated offers


@dataclass(frozen=True)
class Parent:
    code: str
    name_zh: str
    name_en: str


PARENTS: tuple[Parent, ...] = (
    Parent("A02", "信息化设备", "Information technology equipment"),
    Parent("A03", "办公设备", "Office equipment"),
    Parent("A05", "家具", "Furniture"),
    Parent("A06", "电气设备", "Electrical appliances"),
    Parent("A08", "办公消耗用品", "Office consumables"),
)

# Shared enum value lists.
_CPU_X86 = ["Intel Core i3", "Intel Core i5", "Intel Core i7", "Intel Core i9",
            "AMD Ryzen 5", "AMD Ryzen 7"]
_CPU_XC = ["Hygon C86", "Phytium D2000", "Loongson 3A6000", "Zhaoxin KX-6000", "Kirin 9006C"]
_OS = ["Windows 11 Pro", "Windows 11 家庭版", "统信UOS", "银河麒麟", "无操作系统"]
_INTEL = {"cpu": ["Intel Core i5", "Intel Core i7", "Intel Core i3"],
          "os": ["Windows 11 Pro", "Windows 11 家庭版"]}
_INTEL_AMD = {"cpu": ["Intel Core i5", "Intel Core i7", "AMD Ryzen 5", "AMD Ryzen 7"],
              "os": ["Windows 11 Pro", "Windows 11 家庭版", "无操作系统"]}
_XC = {"cpu": ["Hygon C86", "Phytium D2000", "Loongson 3A6000", "Zhaoxin KX-6000"],
       "os": ["统信UOS", "银河麒麟"]}
_COLORS_4 = ["黑色", "青色", "品红", "黄色"]


def _per_color(prefix: str, fixed: dict[str, Any], colors: list[str] | None = None,
               ) -> list[tuple[str, dict[str, Any]]]:
    """Cartridge model numbers end in the color digit: T6641 black, T6642 cyan..."""
    out = []
    for i, color in enumerate(colors or _COLORS_4, start=1):
        out.append((f"{prefix}{i}", {**fixed, "color": color}))
    return out


def _toner(model: str, fits: str, pages: int, color: str = "黑色",
           kind: str = "原装") -> tuple[str, dict[str, Any]]:
    return (model, {"compatible_with": fits, "yield_pages": pages, "color": color,
                    "cartridge_type": kind})


_PRINTER_ATTRS = [
    _num("print_speed_ppm", "打印速度", "Print speed", "ppm", [22, 28, 33, 38, 40, 45],
         facet=True),
    _bool("duplex", "自动双面", "Automatic duplex", required=True),
    _bool("color", "彩色打印", "Colour printing", required=True),
    _enum("max_paper_size", "最大幅面", "Max paper size", ["A4", "A3"]),
    _bool("network", "网络打印", "Network printing", facet=False),
    _num("monthly_duty_pages", "月负荷", "Monthly duty cycle", "页",
         [20000, 50000, 80000, 100000], required=False),
]


def _printer(model: str, ppm: int, duplex: bool, color: bool, size: str = "A4",
             network: bool = True) -> tuple[str, dict[str, Any]]:
    return (model, {"print_speed_ppm": ppm, "duplex": duplex, "color": color,
                    "max_paper_size": size, "network": network})


LEAVES: tuple[Leaf, ...] = (
    # ---------------------------------------------------------------- A02 IT equipment
    Leaf(
        "A020101", "台式计算机", "Desktop computers", "台", (3500, 12000),
        "{brand_zh} {series} 台式计算机 {cpu}/{memory_gb}GB/{storage_gb}GB/{os}",
        "{brand_en} {series} desktop computer {cpu}/{memory_gb}GB/{storage_gb}GB/{os}",
        [
            _enum("cpu", "处理器", "Processor", _CPU_X86 + _CPU_XC),
            _num("memory_gb", "内存", "Memory", "GB", [8, 16, 32], facet=True),
            _num("storage_gb", "硬盘容量", "Storage", "GB", [256, 512, 1024], facet=True),
            _enum("storage_type", "硬盘类型", "Storage type", ["SSD", "HDD", "SSD+HDD"],
                  required=False),
            _enum("os", "操作系统", "Operating system", _OS),
            _enum("form_factor", "机型", "Form factor", ["立式", "小机箱", "一体机"]),
            _num("monitor_in", "显示器尺寸", "Monitor size", "in", [21.5, 23.8, 27],
                 required=False),
            _num("warranty_years", "质保年限", "Warranty", "年", [1, 3, 5], required=False),
        ],
        (
            _brand("Lenovo", "联想", ("ThinkCentre M90t", _INTEL),
                   ("ThinkCentre M730t", _INTEL), ("启天 M437", _INTEL), ("开天 M740J", _XC)),
            _brand("Huawei", "华为", ("擎云 B730E", _INTEL),
                   ("擎云 W515", {"cpu": "Kirin 9006C", "os": "统信UOS"})),
            _brand("Dell", "戴尔", ("OptiPlex 7010", _INTEL), ("Vostro 3020", _INTEL_AMD)),
            _brand("HP", "惠普", ("ProDesk 480 G9", _INTEL), ("EliteDesk 800 G9", _INTEL)),
            _brand("Tongfang", "同方", ("超越 E500", _XC), ("超翔 TZ830", _XC)),
            _brand("Great Wall", "长城", ("世恒 TD120A2", _XC)),
        ),
        model_format="{series} ({cpu}/{memory_gb}G/{storage_gb}G)",
        stock_max=300, lead_days=(3, 15), weight=2.0,
    ),
    Leaf(
        "A020102", "便携式计算机", "Laptop computers", "台", (4000, 15000),
        "{brand_zh} {series} 笔记本电脑 {cpu}/{memory_gb}GB/{storage_gb}GB/{screen_in}英寸",
        "{brand_en} {series} laptop {cpu}/{memory_gb}GB/{storage_gb}GB/{screen_in}in",
        [
            _enum("cpu", "处理器", "Processor", _CPU_X86 + _CPU_XC),
            _num("memory_gb", "内存", "Memory", "GB", [8, 16, 32], facet=True),
            _num("storage_gb", "硬盘容量", "Storage", "GB", [256, 512, 1024], facet=True),
            _num("screen_in", "屏幕尺寸", "Screen size", "in", [13.3, 14, 15.6, 16],
                 facet=True),
            _enum("os", "操作系统", "Operating system", _OS),
            _num("weight_kg", "重量", "Weight", "kg", [1.1, 1.2, 1.4, 1.6, 1.8, 2.1],
                 required=False),
            _num("battery_wh", "电池容量", "Battery", "Wh", [45, 57, 70], required=False),
            _bool("fingerprint", "指纹识别", "Fingerprint reader", facet=False),
        ],
        (
            _brand("Lenovo", "联想", ("ThinkPad E14", {**_INTEL_AMD, "screen_in": 14}),
                   ("ThinkPad X1 Carbon", {**_INTEL, "screen_in": 14, "weight_kg": [1.1, 1.2]}),
                   ("ThinkPad T14", {**_INTEL, "screen_in": 14}),
                   ("昭阳 K4e", {**_INTEL, "screen_in": 14}),
                   ("开天 N60z", {**_XC, "screen_in": 14})),
            _brand("Huawei", "华为", ("MateBook 14", {**_INTEL, "screen_in": 14}),
                   ("MateBook D 16", {**_INTEL, "screen_in": 16}),
                   ("擎云 L540", {"cpu": "Kirin 9006C", "os": "统信UOS", "screen_in": 14})),
            _brand("Dell", "戴尔", ("Latitude 5440", {**_INTEL, "screen_in": 14}),
                   ("Latitude 7440", {**_INTEL, "screen_in": 14}),
                   ("Vostro 3520", {**_INTEL_AMD, "screen_in": 15.6})),
            _brand("HP", "惠普", ("ProBook 440 G10", {**_INTEL, "screen_in": 14}),
                   ("ProBook 450 G10", {**_INTEL, "screen_in": 15.6}),
                   ("EliteBook 840 G10", {**_INTEL, "screen_in": 14})),
            _brand("Tongfang", "同方", ("超越 L860", {**_XC, "screen_in": 14})),
        ),
        model_format="{series} ({cpu}/{memory_gb}G/{storage_gb}G)",
        stock_max=300, lead_days=(2, 10), weight=2.5,
    ),
    Leaf(
        "A020103", "平板电脑", "Tablets", "台", (1500, 9000),
        "{brand_zh} {series} 平板电脑 {memory_gb}GB+{storage_gb}GB {screen_in}英寸",
        "{brand_en} {series} tablet {memory_gb}GB+{storage_gb}GB {screen_in}in",
        [
            _num("storage_gb", "存储容量", "Storage", "GB", [64, 128, 256, 512], facet=True),
            _num("memory_gb", "运行内存", "Memory", "GB", [4, 6, 8, 12]),
            _num("screen_in", "屏幕尺寸", "Screen size", "in", [10.9, 11, 11.5, 12.7, 13.2],
                 facet=True),
            _enum("os", "操作系统", "Operating system", ["iPadOS", "HarmonyOS", "Android"]),
            _bool("cellular", "蜂窝网络", "Cellular"),
            _bool("stylus_support", "支持手写笔", "Stylus support", facet=False),
        ],
        (
            _brand("Apple", "苹果", ("iPad (第10代)", {"os": "iPadOS", "screen_in": 10.9,
                                                   "memory_gb": 4}),
                   ("iPad Air", {"os": "iPadOS", "screen_in": 11, "memory_gb": 8}),
                   ("iPad Pro", {"os": "iPadOS", "screen_in": 13.2, "memory_gb": [8, 12]})),
            _brand("Huawei", "华为", ("MatePad 11.5", {"os": "HarmonyOS", "screen_in": 11.5,
                                                     "memory_gb": [6, 8]}),
                   ("MatePad Pro 13.2", {"os": "HarmonyOS", "screen_in": 13.2,
                                         "memory_gb": 12})),
            _brand("Lenovo", "联想", ("小新Pad Pro 12.7", {"os": "Android", "screen_in": 12.7,
                                                         "memory_gb": 8}),
                   ("Tab P11", {"os": "Android", "screen_in": 11.5, "memory_gb": [4, 6]})),
            _brand("Xiaomi", "小米", ("Xiaomi Pad 6", {"os": "Android", "screen_in": 11,
                                                     "memory_gb": [6, 8]})),
        ),
        model_format="{series} {memory_gb}+{storage_gb}G",
        gtin_share=0.6, stock_max=200, lead_days=(1, 7),
    ),
    Leaf(
        "A020104", "服务器", "Servers", "台", (18000, 150000),
        "{brand_zh} {series} {form_factor}服务器 {cpu_count}×{cpu_model}/{memory_gb}GB/"
        "{storage_tb}TB",
        "{brand_en} {series} server ({form_factor}) {cpu_count}×{cpu_model}/{memory_gb}GB/"
        "{storage_tb}TB",
        [
            _enum("form_factor", "机箱形式", "Form factor", ["1U机架式", "2U机架式", "4U机架式",
                                                           "塔式"]),
            _enum("cpu_model", "处理器型号", "Processor model",
                  ["Intel Xeon Silver 4310", "Intel Xeon Silver 4314", "Intel Xeon Gold 5318Y",
                   "Intel Xeon Gold 6330", "Hygon 7285", "Kunpeng 920"]),
            _num("cpu_count", "处理器数量", "Processors", "颗", [1, 2]),
            _num("memory_gb", "内存", "Memory", "GB", [32, 64, 128, 256, 512], facet=True),
            _num("storage_tb", "硬盘总容量", "Storage", "TB", [1.2, 2.4, 4, 8, 16]),
            _bool("raid", "RAID卡", "RAID controller", facet=False),
            _bool("redundant_psu", "冗余电源", "Redundant power supply"),
        ],
        (
            _brand("Inspur", "浪潮", ("NF5280M6", {"form_factor": "2U机架式", "cpu_model": [
                "Intel Xeon Silver 4314", "Intel Xeon Gold 5318Y", "Intel Xeon Gold 6330"]}),
                   ("NF5180M6", {"form_factor": "1U机架式", "cpu_model": [
                       "Intel Xeon Silver 4310", "Intel Xeon Gold 5318Y"]})),
            _brand("H3C", "新华三", ("UniServer R4900 G5", {"form_factor": "2U机架式",
                                                           "cpu_model": [
                "Intel Xeon Silver 4314", "Intel Xeon Gold 6330"]}),
                   ("UniServer R4700 G5", {"form_factor": "1U机架式", "cpu_model": [
                       "Intel Xeon Silver 4310", "Intel Xeon Silver 4314"]})),
            _brand("xFusion", "超聚变", ("FusionServer 2288H V6", {"form_factor": "2U机架式",
                                                                 "cpu_model": [
                "Intel Xeon Silver 4314", "Intel Xeon Gold 5318Y", "Intel Xeon Gold 6330"]})),
            _brand("Lenovo", "联想", ("ThinkSystem SR650 V2", {"form_factor": "2U机架式",
                                                              "cpu_model": [
                "Intel Xeon Silver 4314", "Intel Xeon Gold 5318Y"]}),
                   ("ThinkSystem ST558", {"form_factor": "塔式", "cpu_model": [
                       "Intel Xeon Silver 4310"], "cpu_count": 1})),
            _brand("Dell", "戴尔", ("PowerEdge R750", {"form_factor": "2U机架式", "cpu_model": [
                "Intel Xeon Silver 4314", "Intel Xeon Gold 6330"]}),
                   ("PowerEdge T550", {"form_factor": "塔式", "cpu_model": [
                       "Intel Xeon Silver 4310", "Intel Xeon Silver 4314"]})),
            _brand("Sugon", "中科曙光", ("I620-G30", {"form_factor": "2U机架式",
                                                    "cpu_model": "Hygon 7285"})),
            _brand("Huawei", "华为", ("TaiShan 200 2280", {"form_factor": "2U机架式",
                                                         "cpu_model": "Kunpeng 920"})),
        ),
        model_format="{series} ({cpu_count}×{cpu_model}/{memory_gb}G/{storage_tb}T)",
        stock_max=40, lead_days=(7, 30), weight=1.0,
    ),
    Leaf(
        "A020105", "显示器", "Monitors", "台", (600, 4500),
        "{brand_zh} {series} {screen_in}英寸 {resolution} 显示器",
        "{brand_en} {series} {screen_in}in {resolution} monitor",
        [
            _num("screen_in", "屏幕尺寸", "Screen size", "in", [21.5, 23.8, 27, 31.5],
                 facet=True),
            _enum("resolution", "分辨率", "Resolution", ["1920×1080", "2560×1440", "3840×2160"]),
            _enum("panel", "面板类型", "Panel", ["IPS", "VA", "TN"], required=False),
            _num("refresh_hz", "刷新率", "Refresh rate", "Hz", [60, 75, 100, 144],
                 required=False),
            _text("interfaces", "接口", "Interfaces", ["HDMI+DP", "HDMI+DP+USB-C", "VGA+HDMI"]),
            _bool("height_adjustable", "升降支架", "Height-adjustable stand", facet=False),
        ],
        (
            _brand("Dell", "戴尔", ("P2422H", {"screen_in": 23.8, "resolution": "1920×1080",
                                             "panel": "IPS"}),
                   ("P2723D", {"screen_in": 27, "resolution": "2560×1440", "panel": "IPS"}),
                   ("U2723QE", {"screen_in": 27, "resolution": "3840×2160", "panel": "IPS"}),
                   ("SE2222H", {"screen_in": 21.5, "resolution": "1920×1080", "panel": "VA"})),
            _brand("AOC", "冠捷", ("24B2XH", {"screen_in": 23.8, "resolution": "1920×1080"}),
                   ("Q27P2C", {"screen_in": 27, "resolution": "2560×1440"}),
                   ("U27P2", {"screen_in": 27, "resolution": "3840×2160"}),
                   ("22E1H", {"screen_in": 21.5, "resolution": "1920×1080", "panel": "TN"})),
            _brand("Philips", "飞利浦", ("243V7Q", {"screen_in": 23.8, "resolution": "1920×1080"}),
                   ("275E2F", {"screen_in": 27, "resolution": "2560×1440"}),
                   ("328E1CA", {"screen_in": 31.5, "resolution": "3840×2160", "panel": "VA"})),
            _brand("Lenovo", "联想", ("ThinkVision T24i-30", {"screen_in": 23.8,
                                                             "resolution": "1920×1080"}),
                   ("ThinkVision T27h-30", {"screen_in": 27, "resolution": "2560×1440"}),
                   ("ThinkVision T32p-30", {"screen_in": 31.5, "resolution": "3840×2160"})),
            _brand("HKC", "惠科", ("T2751Q", {"screen_in": 27, "resolution": "2560×1440"}),
                   ("V2412", {"screen_in": 23.8, "resolution": "1920×1080"})),
        ),
        gtin_share=0.7, stock_max=400, lead_days=(1, 7),
    ),
    Leaf(
        "A020106", "路由器", "Routers", "台", (300, 12000),
        "{brand_zh} {series} 企业级路由器 {wan_ports}WAN 带机量{max_users}",
        "{brand_en} {series} enterprise router {wan_ports} WAN, {max_users} users",
        [
            _num("wan_ports", "WAN口数量", "WAN ports", "个", [1, 2, 4]),
            _num("lan_ports", "LAN口数量", "LAN ports", "个", [4, 8, 10]),
            _num("max_users", "带机量", "Max users", "台", [50, 100, 200, 500, 1000],
                 facet=True),
            _enum("wifi", "无线标准", "Wi-Fi", ["无", "Wi-Fi 5", "Wi-Fi 6", "Wi-Fi 7"]),
            _bool("vpn", "VPN", "VPN"),
            _bool("rack_mountable", "可上机架", "Rack-mountable", facet=False),
        ],
        (
            _brand("TP-Link", "普联", ("TL-R473G", {"max_users": 100, "wifi": "无"}),
                   ("TL-ER6120G", {"max_users": 500, "wifi": "无"}),
                   ("TL-XDR6088", {"max_users": 100, "wifi": "Wi-Fi 6"}),
                   ("TL-ER7206", {"max_users": 1000, "wifi": "无"})),
            _brand("H3C", "新华三", ("ER3200G3", {"max_users": 200, "wifi": "无"}),
                   ("GR5200", {"max_users": 200, "wifi": "Wi-Fi 6"}),
                   ("ER8300G2-X", {"max_users": 1000, "wifi": "无"})),
            _brand("Ruijie", "锐捷", ("RG-EG105G-P", {"max_users": 100, "wifi": "无"}),
                   ("RG-EG3230", {"max_users": 500, "wifi": "无"}),
                   ("RG-EG2100-P", {"max_users": 200, "wifi": "无"})),
            _brand("Huawei", "华为", ("AR6120", {"max_users": 500, "wifi": "无"}),
                   ("AR6140E-9G", {"max_users": 1000, "wifi": "无"})),
        ),
        stock_max=150, lead_days=(2, 10),
    ),
    Leaf(
        "A020107", "交换机", "Network switches", "台", (200, 30000),
        "{brand_zh} {series} {managed}交换机 {ports}口{port_speed}",
        "{brand_en} {series} switch, {ports} × {port_speed}",
        [
            _num("ports", "端口数", "Ports", "口", [8, 16, 24, 48], facet=True),
            _enum("port_speed", "端口速率", "Port speed", ["百兆", "千兆", "万兆"]),
            _enum("managed", "管理类型", "Management", ["非网管", "简单网管", "二层网管",
                                                       "三层网管"]),
            _bool("poe", "PoE供电", "PoE"),
            _num("sfp_ports", "光口数", "SFP ports", "个", [0, 2, 4], required=False),
            _bool("rack_mountable", "可上机架", "Rack-mountable", facet=False),
        ],
        (
            _brand("H3C", "新华三", ("S1850V2-28P", {"ports": 24, "port_speed": "千兆",
                                                   "managed": "二层网管"}),
                   ("S5130S-28S-EI", {"ports": 24, "port_speed": "千兆", "managed": "二层网管"}),
                   ("S5560X-54C-EI", {"ports": 48, "port_speed": "千兆", "managed": "三层网管"}),
                   ("S1208V2", {"ports": 8, "port_speed": "千兆", "managed": "非网管"})),
            _brand("Huawei", "华为", ("S5735-L24T4X", {"ports": 24, "port_speed": "千兆",
                                                     "managed": "三层网管"}),
                   ("S1730S-L8T-A", {"ports": 8, "port_speed": "千兆", "managed": "非网管"}),
                   ("S6730-H48X6C", {"ports": 48, "port_speed": "万兆", "managed": "三层网管"})),
            _brand("Ruijie", "锐捷", ("RG-S2928G-E V3", {"ports": 24, "port_speed": "千兆",
                                                       "managed": "二层网管"}),
                   ("RG-S5750-28GT4XS-H", {"ports": 24, "port_speed": "千兆",
                                           "managed": "三层网管"}),
                   ("RG-ES209GC-P", {"ports": 8, "port_speed": "千兆", "managed": "简单网管",
                                     "poe": True})),
            _brand("TP-Link", "普联", ("TL-SG1024DT", {"ports": 24, "port_speed": "千兆",
                                                     "managed": "非网管"}),
                   ("TL-SG2210P", {"ports": 8, "port_speed": "千兆", "managed": "简单网管",
                                   "poe": True}),
                   ("TL-SF1016DS", {"ports": 16, "port_speed": "百兆", "managed": "非网管"})),
        ),
        stock_max=200, lead_days=(2, 10),
    ),
    Leaf(
        "A020108", "不间断电源", "Uninterruptible power supplies (UPS)", "台", (800, 40000),
        "{brand_zh} {series} {capacity_kva}kVA {topology}UPS不间断电源",
        "{brand_en} {series} {capacity_kva} kVA UPS",
        [
            _num("capacity_kva", "额定容量", "Rated capacity", "kVA", [1, 2, 3, 6, 10, 20],
                 facet=True),
            _enum("topology", "类型", "Topology", ["在线式", "在线互动式", "后备式"]),
            _num("backup_min", "满载后备时间", "Backup time at full load", "min",
                 [10, 15, 30, 60], required=False),
            _enum("phases", "输入输出", "Phases", ["单进单出", "三进单出", "三进三出"],
                  required=False),
            _bool("rack_mountable", "机架式", "Rack-mountable", facet=False),
        ],
        (
            _brand("APC", "APC施耐德", ("Smart-UPS SRT", {"topology": "在线式"}),
                   ("Back-UPS BK", {"topology": "后备式", "capacity_kva": [1]})),
            _brand("Santak", "山特", ("城堡 C系列", {"topology": "在线式"}),
                   ("城堡 3C3 Pro", {"topology": "在线式", "capacity_kva": [10, 20],
                                     "phases": "三进三出"}),
                   ("MT系列", {"topology": "后备式", "capacity_kva": [1, 2]})),
            _brand("Huawei", "华为", ("UPS2000-G", {"topology": "在线式",
                                                  "capacity_kva": [1, 2, 3, 6, 10]})),
            _brand("KSTAR", "科士达", ("YDC9100", {"topology": "在线式"}),
                   ("YDE2000", {"topology": "在线互动式", "capacity_kva": [1, 2, 3]})),
        ),
        model_format="{series} {capacity_kva}kVA",
        stock_max=80, lead_days=(3, 15), weight=0.6,
    ),
    Leaf(
        "A020109", "移动硬盘", "Portable hard drives", "个", (300, 1800),
        "{brand_zh} {series} 移动硬盘 {capacity_tb}TB {drive_type}",
        "{brand_en} {series} portable drive {capacity_tb}TB {drive_type}",
        [
            _num("capacity_tb", "容量", "Capacity", "TB", [1, 2, 4, 5], facet=True),
            _enum("drive_type", "类型", "Drive type", ["HDD", "SSD"]),
            _enum("interface", "接口", "Interface", ["USB 3.0", "USB 3.2 Gen2", "USB-C"],
                  required=False),
            _bool("encryption", "硬件加密", "Hardware encryption"),
        ],
        (
            _brand("Seagate", "希捷", ("Expansion 睿翼", {"drive_type": "HDD"}),
                   ("One Touch", {"drive_type": "HDD"})),
            _brand("WD", "西部数据", ("My Passport", {"drive_type": "HDD"}),
                   ("Elements", {"drive_type": "HDD"})),
            _brand("Samsung", "三星", ("T7", {"drive_type": "SSD", "capacity_tb": [1, 2]}),
                   ("T9", {"drive_type": "SSD", "capacity_tb": [1, 2, 4]})),
            _brand("SanDisk", "闪迪", ("Extreme Portable SSD", {"drive_type": "SSD",
                                                              "capacity_tb": [1, 2, 4]})),
            _brand("Kingston", "金士顿", ("XS1000", {"drive_type": "SSD", "capacity_tb": [1, 2]})),
        ),
        model_format="{series} {capacity_tb}TB",
        gtin_share=0.9, stock_max=1000, lead_days=(1, 5),
    ),
    Leaf(
        "A020110", "U盘", "USB flash drives", "个", (30, 400),
        "{brand_zh} {series} U盘 {capacity_gb}GB {usb}",
        "{brand_en} {series} USB flash drive {capacity_gb}GB {usb}",
        [
            _num("capacity_gb", "容量", "Capacity", "GB", [32, 64, 128, 256, 512], facet=True),
            _enum("usb", "接口标准", "USB standard", ["USB 2.0", "USB 3.0", "USB 3.2"]),
            _enum("connector", "接口类型", "Connector", ["USB-A", "USB-C", "双接口"],
                  required=False),
            _bool("encryption", "硬件加密", "Hardware encryption"),
            _bool("metal_case", "金属外壳", "Metal case", facet=False),
        ],
        (
            _brand("Kingston", "金士顿", ("DataTraveler Exodia", {"usb": "USB 3.2"}),
                   ("DataTraveler Kyson", {"usb": "USB 3.2", "metal_case": True}),
                   ("IronKey Vault Privacy 50", {"usb": "USB 3.2", "encryption": True})),
            _brand("SanDisk", "闪迪", ("Cruzer Blade CZ50", {"usb": "USB 2.0"}),
                   ("Ultra Flair CZ73", {"usb": "USB 3.0", "metal_case": True}),
                   ("Extreme Pro CZ880", {"usb": "USB 3.2"})),
            _brand("Aigo", "爱国者", ("U330", {"usb": "USB 3.0"})),
            _brand("Netac", "朗科", ("U905", {"usb": "USB 3.0"}),
                   ("U335S 加密", {"usb": "USB 3.0", "encryption": True})),
        ),
        model_format="{series} {capacity_gb}GB",
        gtin_share=0.9, stock_max=5000, lead_days=(1, 5),
    ),
    Leaf(
        "A020111", "照相机", "Cameras", "台", (3000, 30000),
        "{brand_zh} {series} 数码相机 {sensor} {lens}",
        "{brand_en} {series} digital camera, {sensor}, {lens}",
        [
            _enum("sensor", "传感器尺寸", "Sensor", ["全画幅", "APS-C", "M4/3", "1英寸"]),
            _num("megapixels", "有效像素", "Resolution", "MP", [20.1, 24.2, 26.1, 33, 45],
                 facet=True),
            _enum("lens", "镜头", "Lens", ["单机身", "18-45mm套机", "24-105mm套机"]),
            _enum("video", "视频规格", "Video", ["1080p", "4K", "8K"], required=False),
            _bool("wifi", "Wi-Fi", "Wi-Fi", facet=False),
        ],
        (
            _brand("Canon", "佳能", ("EOS R6 Mark II", {"sensor": "全画幅", "megapixels": 24.2}),
                   ("EOS R8", {"sensor": "全画幅", "megapixels": 24.2}),
                   ("EOS R50", {"sensor": "APS-C", "megapixels": 24.2}),
                   ("EOS R5", {"sensor": "全画幅", "megapixels": 45})),
            _brand("Nikon", "尼康", ("Z6 II", {"sensor": "全画幅", "megapixels": 24.2}),
                   ("Z fc", {"sensor": "APS-C", "megapixels": 20.1})),
            _brand("Sony", "索尼", ("A7 IV", {"sensor": "全画幅", "megapixels": 33}),
                   ("ZV-E10", {"sensor": "APS-C", "megapixels": 24.2}),
                   ("RX100 VII", {"sensor": "1英寸", "megapixels": 20.1, "lens": "单机身"})),
            _brand("Fujifilm", "富士", ("X-S20", {"sensor": "APS-C", "megapixels": 26.1})),
            _brand("Panasonic", "松下", ("LUMIX G9 II", {"sensor": "M4/3", "megapixels": 26.1})),
        ),
        model_format="{series} {lens}",
        gtin_share=0.5, stock_max=60, lead_days=(2, 10), weight=0.6,
    ),
    # ---------------------------------------------------------------- A03 office equipment
    Leaf(
        "A030101", "激光打印机", "Laser printers", "台", (900, 8000),
        "{brand_zh} {series} 激光打印机 {max_paper_size} {print_speed_ppm}页/分",
        "{brand_en} {series} laser printer {max_paper_size} {print_speed_ppm} ppm",
        _PRINTER_ATTRS,
        (
            _brand("HP", "惠普", _printer("LaserJet Pro M404dn", 38, True, False),
                   _printer("LaserJet Pro 4104dw", 40, True, False),
                   _printer("Color LaserJet Pro M454dn", 28, True, True),
                   _printer("LaserJet M208dw", 28, True, False)),
            _brand("Canon", "佳能", _printer("LBP6230dn", 28, True, False),
                   _printer("LBP623Cdw", 22, True, True),
                   _printer("LBP8100n", 33, False, False, "A3")),
            _brand("Brother", "兄弟", _printer("HL-L5100DN", 40, True, False),
                   _printer("HL-2260D", 28, True, False, network=False),
                   _printer("HL-L8260CDN", 33, True, True)),
            _brand("Lenovo", "联想", _printer("LJ2405D", 28, True, False, network=False)),
            _brand("Pantum", "奔图", _printer("P3305DN", 33, True, False),
                   _printer("CP2506DN Plus", 22, True, True)),
            _brand("Kyocera", "京瓷", _printer("ECOSYS P3145dn", 45, True, False),
                   _printer("ECOSYS P4040dn", 40, True, False, "A3")),
        ),
        gtin_share=0.5, stock_max=150, lead_days=(2, 10), weight=0.8,
    ),
    Leaf(
        "A030102", "喷墨打印机", "Inkjet printers", "台", (600, 6000),
        "{brand_zh} {series} {ink_system}喷墨打印机 {max_paper_size}",
        "{brand_en} {series} inkjet printer ({ink_system}) {max_paper_size}",
        [
            _num("print_speed_ppm", "打印速度", "Print speed", "ppm", [10, 15, 20, 25],
                 facet=True),
            _bool("color", "彩色打印", "Colour printing", required=True),
            _enum("ink_system", "供墨方式", "Ink system", ["墨仓式", "墨盒式"]),
            _enum("max_paper_size", "最大幅面", "Max paper size", ["A4", "A3"]),
            _bool("duplex", "自动双面", "Automatic duplex", facet=False),
            _bool("wifi", "无线打印", "Wi-Fi printing", facet=False),
        ],
        (
            _brand("Epson", "爱普生", ("L3251", {"ink_system": "墨仓式", "max_paper_size": "A4",
                                               "color": True, "print_speed_ppm": 10}),
                   ("L4268", {"ink_system": "墨仓式", "max_paper_size": "A4", "color": True,
                              "print_speed_ppm": 10, "duplex": True}),
                   ("L8058", {"ink_system": "墨仓式", "max_paper_size": "A4", "color": True,
                              "print_speed_ppm": 15}),
                   ("WF-7848", {"ink_system": "墨盒式", "max_paper_size": "A3", "color": True,
                                "print_speed_ppm": 25, "duplex": True})),
            _brand("Canon", "佳能", ("G3810", {"ink_system": "墨仓式", "max_paper_size": "A4",
                                             "color": True, "print_speed_ppm": 10}),
                   ("G580", {"ink_system": "墨仓式", "max_paper_size": "A4", "color": True,
                             "print_speed_ppm": 10}),
                   ("TS5380", {"ink_system": "墨盒式", "max_paper_size": "A4", "color": True,
                               "print_speed_ppm": 15})),
            _brand("HP", "惠普", ("Smart Tank 518", {"ink_system": "墨仓式",
                                                   "max_paper_size": "A4", "color": True,
                                                   "print_speed_ppm": 10}),
                   ("OfficeJet Pro 9020", {"ink_system": "墨盒式", "max_paper_size": "A4",
                                           "color": True, "print_speed_ppm": 25,
                                           "duplex": True})),
            _brand("Brother", "兄弟", ("HL-T4000DW", {"ink_system": "墨仓式",
                                                    "max_paper_size": "A3", "color": True,
                                                    "print_speed_ppm": 20, "duplex": True})),
        ),
        gtin_share=0.5, stock_max=150, lead_days=(2, 10), weight=0.6,
    ),
    Leaf(
        "A030103", "多功能一体机", "Multifunction printers", "台", (1500, 16000),
        "{brand_zh} {series} 多功能一体机 {functions} {max_paper_size}",
        "{brand_en} {series} multifunction printer {max_paper_size}",
        [
            _enum("functions", "功能", "Functions", ["打印/复印/扫描", "打印/复印/扫描/传真"]),
            _num("print_speed_ppm", "打印速度", "Print speed", "ppm", [20, 25, 30, 38, 40],
                 facet=True),
            _bool("color", "彩色", "Colour", required=True),
            _enum("max_paper_size", "最大幅面", "Max paper size", ["A4", "A3"]),
            _bool("duplex", "自动双面", "Automatic duplex", required=True),
            _bool("adf", "自动输稿器", "Automatic document feeder", facet=False),
            _bool("network", "网络打印", "Network printing", facet=False),
        ],
        (
            _brand("HP", "惠普", ("LaserJet Pro MFP M428fdw", {
                "functions": "打印/复印/扫描/传真", "print_speed_ppm": 38, "color": False,
                "max_paper_size": "A4", "duplex": True}),
                   ("Color LaserJet Pro MFP M479fdw", {
                "functions": "打印/复印/扫描/传真", "print_speed_ppm": 25, "color": True,
                "max_paper_size": "A4", "duplex": True})),
            _brand("Canon", "佳能", ("iC MF449dw", {
                "functions": "打印/复印/扫描/传真", "print_speed_ppm": 38, "color": False,
                "max_paper_size": "A4", "duplex": True}),
                   ("iR 2425", {"functions": "打印/复印/扫描", "print_speed_ppm": 25,
                                "color": False, "max_paper_size": "A3", "duplex": True})),
            _brand("Brother", "兄弟", ("MFC-L8900CDW", {
                "functions": "打印/复印/扫描/传真", "print_speed_ppm": 30, "color": True,
                "max_paper_size": "A4", "duplex": True}),
                   ("DCP-L2550DW", {"functions": "打印/复印/扫描", "print_speed_ppm": 30,
                                    "color": False, "max_paper_size": "A4", "duplex": True})),
            _brand("Kyocera", "京瓷", ("ECOSYS M2540dn", {
                "functions": "打印/复印/扫描/传真", "print_speed_ppm": 40, "color": False,
                "max_paper_size": "A4", "duplex": True})),
            _brand("Ricoh", "理光", ("IM C2010", {"functions": "打印/复印/扫描",
                                                "print_speed_ppm": 20, "color": True,
                                                "max_paper_size": "A3", "duplex": True})),
            _brand("Lenovo", "联想", ("M7400 Pro", {"functions": "打印/复印/扫描",
                                                  "print_speed_ppm": 30, "color": False,
                                                  "max_paper_size": "A4", "duplex": False}),
                   ("M7628DNA", {"functions": "打印/复印/扫描", "print_speed_ppm": 30,
                                 "color": False, "max_paper_size": "A4", "duplex": True})),
            _brand("Pantum", "奔图", ("M7160DW", {"functions": "打印/复印/扫描",
                                                "print_speed_ppm": 30, "color": False,
                                                "max_paper_size": "A4", "duplex": True})),
        ),
        gtin_share=0.4, stock_max=120, lead_days=(2, 12), weight=0.8,
    ),
    Leaf(
        "A030104", "复印机", "Copiers", "台", (8000, 60000),
        "{brand_zh} {series} {max_paper_size}数码复合机 {copy_speed_cpm}页/分",
        "{brand_en} {series} {max_paper_size} digital copier {copy_speed_cpm} cpm",
        [
            _num("copy_speed_cpm", "复印速度", "Copy speed", "cpm", [20, 25, 30, 35, 45, 55],
                 facet=True),
            _bool("color", "彩色", "Colour", required=True),
            _enum("max_paper_size", "最大幅面", "Max paper size", ["A3"]),
            _num("paper_trays", "纸盒数", "Paper trays", "个", [2, 4]),
            _bool("finisher", "装订器", "Finisher", facet=False),
            _num("memory_gb", "内存", "Memory", "GB", [2, 4, 8], required=False),
        ],
        (
            _brand("Canon", "佳能", ("imageRUNNER 2625", {"color": False, "copy_speed_cpm": 25}),
                   ("iR-ADV DX 4835", {"color": False, "copy_speed_cpm": 35}),
                   ("iR-ADV DX C3930", {"color": True, "copy_speed_cpm": 30})),
            _brand("Ricoh", "理光", ("IM 2702", {"color": False, "copy_speed_cpm": 25}),
                   ("IM C3010", {"color": True, "copy_speed_cpm": 30}),
                   ("IM 4000", {"color": False, "copy_speed_cpm": 45})),
            _brand("Konica Minolta", "柯尼卡美能达", ("bizhub 287", {"color": False,
                                                                  "copy_speed_cpm": 25}),
                   ("bizhub C300i", {"color": True, "copy_speed_cpm": 30})),
            _brand("Kyocera", "京瓷", ("TASKalfa 3554ci", {"color": True, "copy_speed_cpm": 35})),
            _brand("Sharp", "夏普", ("BP-M2322R", {"color": False, "copy_speed_cpm": 20}),
                   ("MX-C3082R", {"color": True, "copy_speed_cpm": 30})),
            _brand("Fujifilm", "富士胶片", ("Apeos 2560", {"color": False, "copy_speed_cpm": 25}),
                   ("Apeos C5570", {"color": True, "copy_speed_cpm": 55})),
            _brand("Toshiba", "东芝", ("e-STUDIO 2829A", {"color": False, "copy_speed_cpm": 25})),
        ),
        model_format="{series} ({paper_trays}纸盒)",
        stock_max=40, lead_days=(5, 20), weight=0.6,
    ),
    Leaf(
        "A030105", "扫描仪", "Scanners", "台", (800, 30000),
        "{brand_zh} {series} {scanner_type}扫描仪 {max_paper_size} {scan_speed_ppm}页/分",
        "{brand_en} {series} scanner {max_paper_size} {scan_speed_ppm} ppm",
        [
            _enum("scanner_type", "类型", "Type", ["馈纸式", "平板式", "平板+馈纸式"]),
            _enum("max_paper_size", "最大幅面", "Max paper size", ["A4", "A3"]),
            _num("scan_speed_ppm", "扫描速度", "Scan speed", "ppm", [25, 30, 40, 60, 80, 100],
                 facet=True),
            _num("optical_dpi", "光学分辨率", "Optical resolution", "dpi", [600, 1200, 4800],
                 required=False),
            _bool("duplex", "双面扫描", "Duplex scanning", facet=False),
        ],
        (
            _brand("Canon", "佳能", ("DR-C230", {"scanner_type": "馈纸式", "max_paper_size": "A4",
                                               "scan_speed_ppm": 30}),
                   ("DR-M260", {"scanner_type": "馈纸式", "max_paper_size": "A4",
                                "scan_speed_ppm": 60}),
                   ("LiDE 400", {"scanner_type": "平板式", "max_paper_size": "A4",
                                 "scan_speed_ppm": 25, "duplex": False})),
            _brand("Epson", "爱普生", ("DS-570WII", {"scanner_type": "馈纸式",
                                                   "max_paper_size": "A4",
                                                   "scan_speed_ppm": 40}),
                   ("DS-1630", {"scanner_type": "平板+馈纸式", "max_paper_size": "A4",
                                "scan_speed_ppm": 25}),
                   ("DS-32000", {"scanner_type": "馈纸式", "max_paper_size": "A3",
                                 "scan_speed_ppm": 100})),
            _brand("Fujitsu", "富士通", ("fi-8170", {"scanner_type": "馈纸式",
                                                   "max_paper_size": "A4",
                                                   "scan_speed_ppm": 80}),
                   ("fi-7160", {"scanner_type": "馈纸式", "max_paper_size": "A4",
                                "scan_speed_ppm": 60})),
            _brand("Panasonic", "松下", ("KV-S1037", {"scanner_type": "馈纸式",
                                                    "max_paper_size": "A4",
                                                    "scan_speed_ppm": 30})),
            _brand("Unis", "紫光", ("Uniscan F25A", {"scanner_type": "馈纸式",
                                                    "max_paper_size": "A4",
                                                    "scan_speed_ppm": 25})),
        ),
        stock_max=80, lead_days=(2, 12), weight=0.5,
    ),
    Leaf(
        "A030106", "投影仪", "Projectors", "台", (2000, 20000),
        "{brand_zh} {series} {technology}投影仪 {brightness_lm}流明 {resolution}",
        "{brand_en} {series} {technology} projector {brightness_lm} lm {resolution}",
        [
            _num("brightness_lm", "亮度", "Brightness", "lm", [3300, 3600, 4000, 4500, 5000,
                                                              6000], facet=True),
            _enum("resolution", "标准分辨率", "Native resolution", ["XGA", "WXGA", "1080p",
                                                                 "WUXGA", "4K"]),
            _enum("technology", "显示技术", "Technology", ["3LCD", "DLP", "激光3LCD"]),
            _text("contrast", "对比度", "Contrast ratio", ["15000:1", "16000:1", "2500000:1"]),
            _bool("wifi", "无线投屏", "Wireless casting", facet=False),
            _bool("short_throw", "短焦", "Short throw"),
        ],
        (
            _brand("Epson", "爱普生", ("CB-X50", {"technology": "3LCD", "brightness_lm": 3600,
                                                "resolution": "XGA"}),
                   ("CB-FH52", {"technology": "3LCD", "brightness_lm": 4000,
                                "resolution": "1080p"}),
                   ("CB-L530U", {"technology": "激光3LCD", "brightness_lm": 5000,
                                 "resolution": "WUXGA"})),
            _brand("Sony", "索尼", ("VPL-EX455", {"technology": "3LCD", "brightness_lm": 3600,
                                                "resolution": "XGA"}),
                   ("VPL-EW575", {"technology": "3LCD", "brightness_lm": 4300,
                                  "resolution": "WXGA"})),
            _brand("BenQ", "明基", ("MX560", {"technology": "DLP", "brightness_lm": 4000,
                                            "resolution": "XGA"}),
                   ("E520", {"technology": "DLP", "brightness_lm": 3600,
                             "resolution": "1080p"}),
                   ("LU710", {"technology": "DLP", "brightness_lm": 4000,
                              "resolution": "WUXGA"})),
            _brand("Optoma", "奥图码", ("X343e", {"technology": "DLP", "brightness_lm": 3600,
                                                "resolution": "XGA"})),
            _brand("NEC", "NEC", ("NP-CD1200X", {"technology": "3LCD", "brightness_lm": 3300,
                                                "resolution": "XGA"}),
                   ("NP-CR3500X", {"technology": "3LCD", "brightness_lm": 4500,
                                   "resolution": "XGA"})),
        ),
        stock_max=100, lead_days=(2, 10), weight=0.6,
    ),
    Leaf(
        "A030107", "碎纸机", "Paper shredders", "台", (300, 5000),
        "{brand_zh} {series} {security_level}级保密碎纸机 单次{sheets_per_pass}张 {bin_l}L",
        "{brand_en} {series} shredder, security {security_level}, {sheets_per_pass} sheets, "
        "{bin_l} L",
        [
            _enum("security_level", "保密等级", "Security level (DIN 66399)",
                  ["P-2", "P-3", "P-4", "P-5"]),
            _enum("cut_type", "碎纸方式", "Cut type", ["条状", "段状", "粒状"]),
            _num("sheets_per_pass", "单次碎纸量", "Sheets per pass", "张",
                 [5, 8, 10, 12, 15, 20], facet=True),
            _num("bin_l", "纸箱容积", "Bin capacity", "L", [14, 20, 25, 30, 40]),
            _num("continuous_min", "连续碎纸时间", "Continuous run time", "min",
                 [3, 10, 20, 30, 60], required=False),
            _bool("cd_shred", "可碎光盘", "Shreds CDs", facet=False),
        ],
        (
            _brand("Deli", "得力", ("9911", {"security_level": "P-4", "cut_type": "段状"}),
                   ("33065", {"security_level": "P-5", "cut_type": "粒状"}),
                   ("GA520", {"security_level": "P-4", "cut_type": "段状"})),
            _brand("Comix", "齐心", ("S2210", {"security_level": "P-4", "cut_type": "段状"}),
                   ("S3810", {"security_level": "P-5", "cut_type": "粒状"})),
            _brand("Sunwood", "三木", ("SD9520", {"security_level": "P-4", "cut_type": "段状"})),
            _brand("Fellowes", "范罗士", ("99Ci", {"security_level": "P-4", "cut_type": "段状"}),
                   ("79Ci", {"security_level": "P-3", "cut_type": "段状"}),
                   ("8Cd", {"security_level": "P-4", "cut_type": "段状"})),
        ),
        model_format="{series}",
        gtin_share=0.6, stock_max=300, lead_days=(1, 7), weight=0.5,
    ),
    # ---------------------------------------------------------------- A05 furniture
    Leaf(
        "A050101", "办公椅", "Office chairs", "把", (300, 4000),
        "{brand_zh} {series} {material}办公椅",
        "{brand_en} {series} office chair",
        [
            _enum("material", "面料", "Material", ["网布", "真皮", "仿皮", "布艺"]),
            _bool("adjustable_height", "升降", "Height adjustable", required=True),
            _bool("armrests", "扶手", "Armrests", required=True),
            _bool("headrest", "头枕", "Headrest", facet=False),
            _bool("lumbar_support", "腰托", "Lumbar support", facet=False),
            _enum("base", "椅脚", "Base", ["尼龙", "铝合金", "钢制"], facet=False,
                  required=False),
            _num("max_load_kg", "承重", "Max load", "kg", [120, 136, 150], required=False),
        ],
        (
            _brand("Sunon", "圣奥", ("OAC-1103", {"material": "网布"}),
                   ("Apex 主管椅", {"material": "真皮", "headrest": True}),
                   ("OAC-2208 会议椅", {"material": "网布", "adjustable_height": False})),
            _brand("Aurora", "震旦", ("WA-21", {"material": "网布"}),
                   ("CEO 班椅 LA-01", {"material": "真皮", "headrest": True})),
            _brand("UE", "永艺", ("FlowCare 撑腰椅", {"material": "网布", "lumbar_support": True}),
                   ("沃克PRO", {"material": "网布"})),
            _brand("Sihoo", "西昊", ("M57", {"material": "网布"}),
                   ("M18", {"material": "网布"}), ("T1", {"material": "仿皮"})),
        ),
        model_format="{series} {material}",
        stock_max=500, lead_days=(5, 20), weight=0.9,
    ),
    Leaf(
        "A050102", "办公桌", "Office desks", "张", (800, 8000),
        "{brand_zh} {series} {desk_type} {width_mm}×{depth_mm}mm {material}",
        "{brand_en} {series} desk {width_mm}×{depth_mm} mm",
        [
            _enum("desk_type", "类型", "Type", ["单人位", "双人位", "主管桌", "班台", "屏风工位"]),
            _num("width_mm", "宽度", "Width", "mm", [1200, 1400, 1600, 1800, 2000, 2400],
                 facet=True),
            _num("depth_mm", "深度", "Depth", "mm", [600, 700, 800, 900, 1000]),
            _enum("material", "材质", "Material", ["钢制", "板式(E1级)", "实木", "实木贴皮"]),
            _num("drawers", "抽屉数", "Drawers", "个", [0, 1, 2, 3], required=False),
            _bool("cable_management", "走线槽", "Cable management", facet=False),
        ],
        (
            _brand("Sunon", "圣奥", ("SOLO", {"desk_type": ["单人位", "双人位"]}),
                   ("Ease 主管桌", {"desk_type": "主管桌"}),
                   ("X-Bench", {"desk_type": "屏风工位"})),
            _brand("Aurora", "震旦", ("DE-160", {"desk_type": ["单人位", "主管桌"]}),
                   ("MORE 班台", {"desk_type": "班台", "material": ["实木", "实木贴皮"]})),
            _brand("Haworth", "美时", ("Compose", {"desk_type": "屏风工位"})),
            _brand("Steelcase", "世楷", ("Ology", {"desk_type": ["单人位", "主管桌"]})),
        ),
        model_format="{series}-{width_mm}",
        stock_max=200, lead_days=(7, 30), weight=0.8,
    ),
    Leaf(
        "A050103", "文件柜", "Filing cabinets", "个", (600, 4000),
        "{brand_zh} {series} {material}文件柜 {height_mm}mm {door_type}",
        "{brand_en} {series} filing cabinet, {height_mm} mm",
        [
            _enum("material", "材质", "Material", ["钢制", "板式(E1级)", "实木"]),
            _num("height_mm", "高度", "Height", "mm", [900, 1850, 2000], facet=True),
            _num("width_mm", "宽度", "Width", "mm", [850, 900, 1000]),
            _enum("door_type", "柜门", "Doors", ["对开门", "上玻下铁", "抽屉式"],
                  required=False),
            _bool("lock", "带锁", "Lockable", facet=False),
        ],
        (
            _brand("Sunon", "圣奥", ("FC-18", {"material": "板式(E1级)"})),
            _brand("Aurora", "震旦", ("AK-185", {"material": "钢制"})),
            _brand("Luoyang Huadu", "洛阳花都", ("HD-GT02", {"material": "钢制"}),
                   ("HD-GT08", {"material": "钢制", "door_type": "上玻下铁"})),
            _brand("Deli", "得力", ("3555 钢制文件柜", {"material": "钢制"})),
        ),
        model_format="{series}-{height_mm}",
        stock_max=200, lead_days=(7, 25), weight=0.6,
    ),
    Leaf(
        "A050104", "会议桌", "Conference tables", "张", (1500, 30000),
        "{brand_zh} {series} {shape}会议桌 {length_mm}mm {seats}人",
        "{brand_en} {series} conference table, {length_mm} mm, {seats} seats",
        [
            _num("seats", "座位数", "Seats", "人", [6, 8, 10, 12, 16, 20], facet=True),
            _num("length_mm", "长度", "Length", "mm", [1800, 2400, 3200, 4000, 4800, 6000]),
            _enum("shape", "形状", "Shape", ["长方形", "椭圆形", "船型", "圆形"]),
            _enum("material", "材质", "Material", ["板式(E1级)", "实木贴皮", "实木"]),
            _bool("power_outlets", "桌面插座", "Built-in outlets", facet=False),
        ],
        (
            _brand("Sunon", "圣奥", ("MT-100", {"material": ["板式(E1级)", "实木贴皮"]})),
            _brand("Aurora", "震旦", ("GT会议桌", {"shape": ["长方形", "船型"]})),
            _brand("Steelcase", "世楷", ("Convene", {"shape": ["长方形", "船型"]})),
        ),
        model_format="{series}-{length_mm}",
        stock_max=50, lead_days=(10, 30), weight=0.5,
    ),
    Leaf(
        "A050105", "沙发", "Sofas", "套", (1500, 20000),
        "{brand_zh} {series} {material}办公沙发 {seating}",
        "{brand_en} {series} office sofa ({seating})",
        [
            _enum("seating", "组合", "Seating", ["单人位", "双人位", "三人位", "1+1+3组合"]),
            _enum("material", "面料", "Upholstery", ["真皮", "仿皮", "布艺"]),
            _enum("frame", "框架", "Frame", ["实木", "钢木"], facet=False, required=False),
            _enum("color", "颜色", "Colour", ["黑色", "棕色", "米白", "灰色"], required=False),
        ],
        (
            _brand("Kuka", "顾家", ("KS-2101", {}), ("商务 KS-3003", {})),
            _brand("Sunon", "圣奥", ("SF-08", {})),
            _brand("Aurora", "震旦", ("接待沙发 RS-12", {})),
        ),
        model_format="{series} {seating}",
        stock_max=40, lead_days=(10, 30), weight=0.4,
    ),
    # ---------------------------------------------------------------- A06 appliances
    Leaf(
        "A060101", "空调机", "Air conditioners", "台", (2500, 15000),
        "{brand_zh} {series} {capacity_hp}匹 {ac_type}空调 {energy_grade}能效",
        "{brand_en} {series} {capacity_hp} HP air conditioner ({ac_type}), grade "
        "{energy_grade}",
        [
            _enum("ac_type", "类型", "Type", ["壁挂式", "柜式", "天花机"]),
            _num("capacity_hp", "匹数", "Capacity", "匹", [1, 1.5, 2, 3, 5], facet=True),
            _enum("energy_grade", "能效等级", "Energy grade", ["3级", "2级", "1级"]),
            _bool("inverter", "变频", "Inverter", required=True),
            _bool("heating", "冷暖", "Heating", facet=False),
        ],
        (
            _brand("Gree", "格力", ("云佳", {"ac_type": "壁挂式", "capacity_hp": [1, 1.5]}),
                   ("天仪", {"ac_type": "壁挂式", "capacity_hp": [1, 1.5, 2]}),
                   ("悦风", {"ac_type": "柜式", "capacity_hp": [2, 3, 5]}),
                   ("天花机 RF12", {"ac_type": "天花机", "capacity_hp": [3, 5]})),
            _brand("Midea", "美的", ("酷省电", {"ac_type": "壁挂式", "capacity_hp": [1, 1.5]}),
                   ("风尊", {"ac_type": "壁挂式", "capacity_hp": [1.5, 2]}),
                   ("静优风", {"ac_type": "柜式", "capacity_hp": [2, 3]})),
            _brand("Haier", "海尔", ("劲爽", {"ac_type": "壁挂式", "capacity_hp": [1, 1.5]}),
                   ("雷神者", {"ac_type": "柜式", "capacity_hp": [2, 3]})),
            _brand("Hisense", "海信", ("速冷热", {"ac_type": "壁挂式", "capacity_hp": [1, 1.5]})),
        ),
        model_format="{series} {capacity_hp}匹 {energy_grade}",
        stock_max=300, lead_days=(3, 15), weight=0.9,
    ),
    Leaf(
        "A060102", "电视机", "Televisions", "台", (1500, 15000),
        "{brand_zh} {model} {screen_in}英寸 {resolution}智能电视",
        "{brand_en} {model} {screen_in}in {resolution} smart TV",
        [
            _num("screen_in", "屏幕尺寸", "Screen size", "in", [43, 50, 55, 65, 75, 85],
                 facet=True),
            _enum("resolution", "分辨率", "Resolution", ["1080p", "4K", "8K"]),
            _enum("panel", "显示技术", "Display", ["LCD", "Mini LED", "OLED"], required=False),
            _bool("wall_mount", "含挂架", "Wall mount included", facet=False),
            _num("hdmi_ports", "HDMI接口", "HDMI ports", "个", [2, 3, 4], required=False),
        ],
        (
            _brand("Hisense", "海信", ("E5K", {"resolution": "4K", "panel": "LCD"}),
                   ("U7K", {"resolution": "4K", "panel": "Mini LED"})),
            _brand("TCL", "TCL", ("T7H", {"resolution": "4K", "panel": "LCD"}),
                   ("Q10H", {"resolution": "4K", "panel": "Mini LED"})),
            _brand("Skyworth", "创维", ("A3D", {"resolution": "4K", "panel": "LCD"}),
                   ("A5F Pro", {"resolution": "4K", "panel": "LCD"})),
            _brand("Xiaomi", "小米", ("Redmi A", {"resolution": "4K", "panel": "LCD"}),
                   ("S Pro", {"resolution": "4K", "panel": "Mini LED"})),
            _brand("Sony", "索尼", ("X80L", {"resolution": "4K", "panel": "LCD"}),
                   ("A80L", {"resolution": "4K", "panel": "OLED"})),
            _brand("Haier", "海尔", ("H5", {"resolution": "4K", "panel": "LCD"})),
        ),
        model_format="{screen_in}{series}",
        gtin_share=0.5, stock_max=150, lead_days=(2, 12), weight=0.7,
    ),
    Leaf(
        "A060103", "电冰箱", "Refrigerators", "台", (1200, 10000),
        "{brand_zh} {model} {doors}冰箱 {capacity_l}升 {energy_grade}能效",
        "{brand_en} {model} refrigerator {capacity_l} L, grade {energy_grade}",
        [
            _num("capacity_l", "总容积", "Capacity", "L", [160, 220, 330, 410, 470, 520],
                 facet=True),
            _enum("doors", "门体结构", "Doors", ["单门", "双门", "三门", "法式多门", "对开门"]),
            _enum("energy_grade", "能效等级", "Energy grade", ["3级", "2级", "1级"]),
            _bool("frost_free", "风冷无霜", "Frost-free"),
            _bool("inverter", "变频", "Inverter", facet=False),
        ],
        (
            _brand("Haier", "海尔", ("WGHFD", {"doors": "法式多门", "capacity_l": [410, 470, 520]}),
                   ("WDPD", {"doors": "双门", "capacity_l": [160, 220]}),
                   ("WGHSS", {"doors": "对开门", "capacity_l": [470, 520]})),
            _brand("Midea", "美的", ("WPZM(E)", {"doors": "法式多门", "capacity_l": [410, 470]}),
                   ("CM(E)", {"doors": "三门", "capacity_l": [220, 330]})),
            _brand("Ronshen", "容声", ("WD18", {"doors": ["双门", "三门"], "capacity_l": [
                160, 220, 330]})),
            _brand("Siemens", "西门子", ("KA92", {"doors": "对开门", "capacity_l": [470, 520]})),
        ),
        model_format="BCD-{capacity_l}{series}",
        gtin_share=0.4, stock_max=120, lead_days=(3, 15), weight=0.5,
    ),
    Leaf(
        "A060104", "饮水机", "Water dispensers", "台", (300, 3500),
        "{brand_zh} {series} {dispenser_type}{hot_cold}饮水机",
        "{brand_en} {series} water dispenser",
        [
            _enum("dispenser_type", "类型", "Type", ["台式", "立式", "管线机"]),
            _enum("hot_cold", "冷热类型", "Hot/cold", ["温热型", "冷热型"]),
            _bool("purification", "净水过滤", "Filtration"),
            _num("heating_power_w", "加热功率", "Heating power", "W", [500, 550, 650, 2000],
                 required=False),
            _enum("bottle_position", "放桶方式", "Bottle position", ["上置式", "下置式"],
                  required=False, facet=False),
        ],
        (
            _brand("Midea", "美的", ("YR1226S-W", {"dispenser_type": "立式"}),
                   ("YD1518S-X", {"dispenser_type": "立式", "hot_cold": "冷热型"}),
                   ("MYR720T", {"dispenser_type": "台式"})),
            _brand("Angel", "安吉尔", ("Y1263LKD-C", {"dispenser_type": "立式"}),
                   ("Y2651LK", {"dispenser_type": "管线机", "purification": True})),
            _brand("Haier", "海尔", ("YR1987-CB", {"dispenser_type": "立式"})),
            _brand("Qinyuan", "沁园", ("YR-9B", {"dispenser_type": "立式"})),
        ),
        gtin_share=0.5, stock_max=200, lead_days=(2, 10), weight=0.4,
    ),
    Leaf(
        "A060105", "台灯", "Desk lamps", "台", (80, 900),
        "{brand_zh} {series} LED护眼台灯 {eye_care_grade} {power_w}W",
        "{brand_en} {series} LED desk lamp {power_w} W",
        [
            _enum("eye_care_grade", "照度等级", "Illuminance grade (GB/T 9473)",
                  ["国AA级", "国A级"]),
            _num("power_w", "功率", "Power", "W", [5, 8, 10, 12, 15, 24], facet=True),
            _num("color_temp_k", "色温", "Colour temperature", "K", [3000, 4000, 5000]),
            _bool("dimmable", "无极调光", "Dimmable"),
            _bool("usb_charging", "USB充电口", "USB charging port", facet=False),
        ],
        (
            _brand("Opple", "欧普", ("MT-HY03T", {}), ("品悦", {})),
            _brand("Philips", "飞利浦", ("轩坦", {}), ("轩诚", {})),
            _brand("Panasonic", "松下", ("HHLT0663", {})),
            _brand("Xiaomi", "米家", ("台灯 1S", {}), ("台灯 Pro", {})),
            _brand("BULL", "公牛", ("MT-Q09", {})),
        ),
        gtin_share=0.7, stock_max=800, lead_days=(1, 7), weight=0.4,
    ),
    Leaf(
        "A060106", "空气净化器", "Air purifiers", "台", (800, 6000),
        "{brand_zh} {series} 空气净化器 CADR {cadr_m3h}m³/h 适用{area_m2}㎡",
        "{brand_en} {series} air purifier, CADR {cadr_m3h} m³/h, {area_m2} m²",
        [
            _num("cadr_m3h", "颗粒物CADR", "Particle CADR", "m³/h", [300, 400, 500, 600, 800],
                 facet=True),
            _num("area_m2", "适用面积", "Room size", "m²", [20, 30, 40, 60, 80]),
            _enum("filter_grade", "滤网等级", "Filter grade", ["H11", "H12", "H13"],
                  required=False),
            _bool("formaldehyde", "除甲醛", "Formaldehyde removal"),
            _num("noise_db", "噪音", "Noise", "dB", [30, 35, 40, 45], required=False),
        ],
        (
            _brand("Philips", "飞利浦", ("AC4076", {}), ("AC3033", {})),
            _brand("Xiaomi", "米家", ("4 Pro", {}), ("4 Lite", {})),
            _brand("Sharp", "夏普", ("FP-J60", {})),
            _brand("Blueair", "布鲁雅尔", ("7440i", {})),
            _brand("Midea", "美的", ("KJ500G", {})),
        ),
        gtin_share=0.6, stock_max=150, lead_days=(2, 10), weight=0.4,
    ),
    # ---------------------------------------------------------------- A08 consumables
    Leaf(
        "A080101", "硒鼓/粉盒", "Toner cartridges", "支", (80, 1500),
        "{brand_zh} {series} {cartridge_type}硒鼓 {color} 约{yield_pages}页 适用{compatible_with}",
        "{brand_en} {series} toner cartridge ({cartridge_type}), ~{yield_pages} pages, for "
        "{compatible_with}",
        [
            _text("compatible_with", "适用机型", "Compatible printers", ["通用"], required=True),
            _num("yield_pages", "打印页数", "Page yield", "页", [1500, 2600, 3000, 5000, 10000],
                 facet=True),
            _enum("color", "颜色", "Colour", ["黑色", "青色", "品红", "黄色"]),
            _enum("cartridge_type", "类型", "Type", ["原装", "兼容"]),
        ],
        (
            _brand("HP", "惠普", _toner("CF276A (76A)", "M404/M428", 3000),
                   _toner("CF277X (77X)", "M429/M305", 10000),
                   _toner("W1510A (151A)", "4104/4004", 3050)),
            _brand("Canon", "佳能", _toner("CRG-057", "LBP223/MF445", 3100),
                   _toner("CRG-054H BK", "LBP623/MF645", 3100, "黑色")),
            _brand("Brother", "兄弟", _toner("TN-3435", "HL-L5100DN", 3000)),
            _brand("Pantum", "奔图", _toner("TO-405", "P3305DN", 6000)),
            _brand("Lenovo", "联想", _toner("LT2451", "LJ2405D/M7400 Pro", 2600)),
            _brand("PrintRite", "天威", _toner("TFH276BPU1J", "HP M404/M428", 3000,
                                               kind="兼容"),
                   _toner("TFC057BPU1J", "Canon LBP223/MF445", 3100, kind="兼容")),
            _brand("G&G", "格之格", _toner("NT-PH276C", "HP M404/M428", 3000, kind="兼容"),
                   _toner("NT-CN2451", "Lenovo LJ2405D", 2600, kind="兼容")),
        ),
        gtin_share=0.7, stock_max=2000, lead_days=(1, 5), weight=1.0,
    ),
    Leaf(
        "A080102", "墨盒", "Ink cartridges and bottles", "个", (30, 500),
        "{brand_zh} {series} {ink_form} {color} {volume_ml}ml 适用{compatible_with}",
        "{brand_en} {series} ink ({ink_form}), {volume_ml} ml, for {compatible_with}",
        [
            _text("compatible_with", "适用机型", "Compatible printers", ["通用"], required=True),
            _enum("color", "颜色", "Colour", ["黑色", "青色", "品红", "黄色", "三彩"]),
            _enum("ink_form", "形态", "Form", ["墨盒", "瓶装墨水"]),
            _num("volume_ml", "容量", "Volume", "ml", [7, 12, 65, 70, 127], facet=True),
            _enum("cartridge_type", "类型", "Type", ["原装", "兼容"]),
        ],
        (
            _brand("Epson", "爱普生", *_per_color("T664", {
                "compatible_with": "L360/L380/L3251", "ink_form": "瓶装墨水", "volume_ml": 70,
                "cartridge_type": "原装"}),
                   *_per_color("T6741", {"compatible_with": "L801/L805", "ink_form": "瓶装墨水",
                                         "volume_ml": 70, "cartridge_type": "原装"})),
            _brand("Canon", "佳能", ("PG-845", {"compatible_with": "TS3380/MG2580S",
                                              "color": "黑色", "ink_form": "墨盒",
                                              "volume_ml": 7, "cartridge_type": "原装"}),
                   ("CL-846", {"compatible_with": "TS3380/MG2580S", "color": "三彩",
                               "ink_form": "墨盒", "volume_ml": 7, "cartridge_type": "原装"}),
                   *_per_color("GI-89", {"compatible_with": "G3810/G580",
                                         "ink_form": "瓶装墨水", "volume_ml": 70,
                                         "cartridge_type": "原装"})),
            _brand("HP", "惠普", ("803 黑色", {"compatible_with": "DeskJet 1112/2132",
                                             "color": "黑色", "ink_form": "墨盒",
                                             "volume_ml": 12, "cartridge_type": "原装"}),
                   ("803 彩色", {"compatible_with": "DeskJet 1112/2132", "color": "三彩",
                                 "ink_form": "墨盒", "volume_ml": 12, "cartridge_type": "原装"}),
                   ("GT53XL", {"compatible_with": "Smart Tank 518", "color": "黑色",
                               "ink_form": "瓶装墨水", "volume_ml": 127,
                               "cartridge_type": "原装"})),
            _brand("PrintRite", "天威", *_per_color("T664-C", {
                "compatible_with": "Epson L360/L380", "ink_form": "瓶装墨水", "volume_ml": 70,
                "cartridge_type": "兼容"})),
        ),
        gtin_share=0.7, stock_max=3000, lead_days=(1, 5), weight=0.8,
    ),
    Leaf(
        "A080103", "复印纸", "Copy paper", "箱", (90, 320),
        "{brand_zh} {series} 复印纸 {size} {grammage_gsm}g {sheets_per_ream}张/包 "
        "{reams_per_box}包/箱",
        "{brand_en} {series} copy paper {size} {grammage_gsm} g/m², {sheets_per_ream} sheets "
        "× {reams_per_box} reams",
        [
            _enum("size", "规格", "Size", ["A4", "A3", "B5"]),
            _num("grammage_gsm", "克重", "Grammage", "g/m²", [70, 75, 80], facet=True),
            _num("sheets_per_ream", "每包张数", "Sheets per ream", "张", [500]),
            _num("reams_per_box", "每箱包数", "Reams per box", "包", [4, 5, 8, 10]),
            _enum("color", "颜色", "Colour", ["白色", "彩色"], required=False),
            _num("whiteness_cie", "CIE白度", "CIE whiteness", None, [96, 104, 112, 150],
                 required=False),
            _bool("fsc_certified", "FSC认证", "FSC certified", facet=False),
        ],
        (
            _brand("Double A", "达伯埃", ("Double A", {"color": "白色"}),
                   ("Double A Everyday", {"color": "白色"})),
            _brand("PaperOne", "亚太森博", ("百旺", {"color": "白色"}),
                   ("PaperOne 金百旺", {"color": "白色"})),
            _brand("UPM", "芬欧汇川", ("佳印", {"color": "白色"})),
            _brand("Deli", "得力", ("珊瑚海", {"color": "白色"}), ("莱茵河", {"color": "白色"}),
                   ("彩色复印纸 7391", {"color": "彩色"})),
            _brand("Comix", "齐心", ("金辉", {"color": "白色"})),
            _brand("M&G", "晨光", ("绿晨光", {"color": "白色"}), ("蓝晨光", {"color": "白色"})),
        ),
        model_format="{series} {size} {grammage_gsm}g",
        gtin_share=0.9, stock_max=5000, lead_days=(1, 5), weight=1.5,
    ),
    Leaf(
        "A080104", "笔记本/记事本", "Paper notebooks", "本", (3, 60),
        "{brand_zh} {series} {binding}笔记本 {size} {pages}页",
        "{brand_en} {series} notebook {size}, {pages} pages",
        [
            _enum("size", "规格", "Size", ["A5", "B5", "A4", "16K", "32K"]),
            _num("pages", "页数", "Pages", "页", [40, 60, 80, 100, 120, 160], facet=True),
            _enum("binding", "装订方式", "Binding", ["胶装", "线圈", "缝线", "活页"]),
            _enum("cover", "封面", "Cover", ["软面", "硬面", "皮面"], required=False),
            _enum("ruling", "内页", "Ruling", ["横线", "方格", "空白", "点阵"], required=False,
                  facet=False),
        ],
        (
            _brand("Deli", "得力", ("3160 商务", {"cover": "皮面"}), ("7656 会议记录本", {})),
            _brand("Comix", "齐心", ("C4504", {}), ("C5902 线圈本", {"binding": "线圈"})),
            _brand("M&G", "晨光", ("APYE 皮面本", {"cover": "皮面"}), ("MPY 缝线本", {
                "binding": "缝线"})),
            _brand("Guangbo", "广博", ("GBP16003", {}), ("活页本 HY-B5", {"binding": "活页"})),
        ),
        model_format="{series} {size}-{pages}",
        gtin_share=0.9, stock_max=10000, lead_days=(1, 5), weight=1.0,
    ),
    Leaf(
        "A080105", "签字笔", "Gel pens", "盒", (10, 120),
        "{brand_zh} {series} 中性笔 {tip_mm}mm {ink_color} {pieces_per_box}支/盒",
        "{brand_en} {series} gel pen {tip_mm} mm, {pieces_per_box} per box",
        [
            _num("tip_mm", "笔尖", "Tip", "mm", [0.38, 0.5, 0.7, 1.0], facet=True),
            _enum("ink_color", "墨色", "Ink colour", ["黑色", "蓝色", "红色"]),
            _num("pieces_per_box", "每盒支数", "Pens per box", "支", [10, 12, 24]),
            _bool("retractable", "按动式", "Retractable"),
            _bool("refillable", "可换芯", "Refillable", facet=False),
        ],
        (
            _brand("M&G", "晨光", ("K35", {"retractable": True}), ("GP-1008", {
                "retractable": False}), ("AGP87901 优品", {})),
            _brand("Deli", "得力", ("S01", {"retractable": True}), ("6600ES", {
                "retractable": False})),
            _brand("Comix", "齐心", ("GP301", {})),
            _brand("Pilot", "百乐", ("BL-P50", {"retractable": False}), ("Juice LJU-10EF", {
                "retractable": True})),
            _brand("Uni", "三菱", ("UM-151", {"retractable": False}), ("UMN-138", {
                "retractable": True})),
            _brand("Zebra", "斑马", ("JJ15", {"retractable": True})),
        ),
        model_format="{series} {tip_mm}mm {ink_color}",
        gtin_share=0.9, stock_max=8000, lead_days=(1, 5), weight=1.0,
    ),
    Leaf(
        "A080106", "文件夹", "File folders and archive boxes", "个", (3, 60),
        "{brand_zh} {series} {folder_type} {size} {material}",
        "{brand_en} {series} file folder, {size}",
        [
            _enum("folder_type", "类型", "Type", ["单强力夹", "双强力夹", "风琴包", "档案盒",
                                                 "文件袋"]),
            _enum("size", "规格", "Size", ["A4", "F4", "A3"]),
            _enum("material", "材质", "Material", ["PP", "纸质", "牛皮纸"]),
            _num("spine_mm", "脊宽", "Spine width", "mm", [15, 25, 35, 55, 75], required=False),
            _enum("color", "颜色", "Colour", ["蓝色", "黑色", "白色", "灰色", "混色"],
                  required=False),
            _num("pieces_per_pack", "每包个数", "Pieces per pack", "个", [1, 10, 12, 24]),
        ],
        (
            _brand("Deli", "得力", ("5302 强力夹", {"folder_type": "单强力夹",
                                                  "material": "PP"}),
                   ("5622 档案盒", {"folder_type": "档案盒", "material": "PP"}),
                   ("5583 牛皮纸档案盒", {"folder_type": "档案盒", "material": "牛皮纸"})),
            _brand("Comix", "齐心", ("A613 双强力夹", {"folder_type": "双强力夹",
                                                      "material": "PP"}),
                   ("HC-55 档案盒", {"folder_type": "档案盒", "material": "PP"})),
            _brand("M&G", "晨光", ("ADM94826 风琴包", {"folder_type": "风琴包",
                                                      "material": "PP"}),
                   ("APYRB639 文件袋", {"folder_type": "文件袋", "material": "牛皮纸"})),
            _brand("Guangbo", "广博", ("A8208 档案盒", {"folder_type": "档案盒",
                                                      "material": "纸质"})),
        ),
        model_format="{series} {size}",
        gtin_share=0.8, stock_max=10000, lead_days=(1, 5), weight=0.8,
    ),
    Leaf(
        "A080107", "订书机", "Staplers", "个", (8, 200),
        "{brand_zh} {series} 订书机 {staple_size} 可订{capacity_sheets}页",
        "{brand_en} {series} stapler ({staple_size}), {capacity_sheets} sheets",
        [
            _num("capacity_sheets", "订书页数", "Capacity", "页", [15, 20, 25, 50, 100, 200],
                 facet=True),
            _enum("staple_size", "钉型", "Staple size", ["12#(24/6)", "10#", "23/13"]),
            _bool("heavy_duty", "重型", "Heavy duty"),
            _bool("effortless", "省力", "Effortless", facet=False),
        ],
        (
            _brand("Deli", "得力", ("0414", {"staple_size": "12#(24/6)", "capacity_sheets": 20}),
                   ("0368", {"staple_size": "12#(24/6)", "capacity_sheets": 25}),
                   ("0399 重型", {"staple_size": "23/13", "capacity_sheets": 100,
                                  "heavy_duty": True})),
            _brand("Comix", "齐心", ("B2992", {"staple_size": "12#(24/6)",
                                             "capacity_sheets": 25})),
            _brand("Max", "美克司", ("HD-10", {"staple_size": "10#", "capacity_sheets": 15}),
                   ("HD-50", {"staple_size": "12#(24/6)", "capacity_sheets": 20}),
                   ("HD-12N/17", {"staple_size": "23/13", "capacity_sheets": 200,
                                  "heavy_duty": True})),
        ),
        gtin_share=0.8, stock_max=3000, lead_days=(1, 5), weight=0.4,
    ),
)


# --------------------------------------------------------------------------------------------
# Organizations.


@dataclass(frozen=True)
class Supplier:
    slug: str
    name: str
    name_en: str
    size: str
    region: str
    sku_prefix: str
    agreements: tuple[str, ...]  # agreement numbers this supplier is awarded under
    phone: str


@dataclass(frozen=True)
class Purchaser:
    slug: str
    name: str
    name_en: str
    region: str
    kind_code: str  # credit code type: 11 government body, 12 public institution
    one_approver_above: str | None
    collective_above: str | None
    collective_approvers: int | None


IT, OF, FN, EL, OE = "GC-2026-IT-01", "GC-2026-OF-02", "GC-2026-FN-03", "GC-2026-EL-04", \
    "GC-2026-OE-05"

SUPPLIERS: tuple[Supplier, ...] = (
    Supplier("zkht", "北京中科鸿图信息技术有限公司",
             "Beijing Zhongke Hongtu Information Technology Co., Ltd.", "large", "CN-BJ",
             "ZKHT", (IT, OE), "010-6258 3301"),
    Supplier("huamao", "中国华贸物资集团有限公司", "China Huamao Materials Group Co., Ltd.",
             "large", "CN-BJ", "HMWZ", (IT, OF, EL), "010-8455 2100"),
    Supplier("hdbg", "华东办公集团股份有限公司", "East China Office Group Co., Ltd.", "large",
             "CN-SH", "HDBG", (OF, OE, FN), "021-5888 7260"),
    Supplier("nanyue", "广东南粤家具有限公司", "Guangdong Nanyue Furniture Co., Ltd.", "large",
             "CN-GD", "NYJJ", (FN,), "020-3866 4010"),
    Supplier("shenlian", "上海申联办公设备有限公司", "Shanghai Shenlian Office Equipment Co., Ltd.",
             "medium", "CN-SH", "SLBG", (OF, OE), "021-6432 1187"),
    Supplier("yuexin", "广州粤信电子科技有限公司",
             "Guangzhou Yuexin Electronic Technology Co., Ltd.", "medium", "CN-GD", "YXDZ",
             (IT, EL), "020-8756 9033"),
    Supplier("jinling", "南京金陵智联科技有限公司", "Nanjing Jinling Zhilian Technology Co., Ltd.",
             "medium", "CN-JS", "JLZL", (IT, OE), "025-8452 6618"),
    Supplier("wuzhong", "苏州吴中家具制造有限公司",
             "Suzhou Wuzhong Furniture Manufacturing Co., Ltd.", "medium", "CN-JS", "WZJJ",
             (FN,), "0512-6525 8870"),
    Supplier("chutian", "武汉楚天电器有限公司", "Wuhan Chutian Electrical Appliances Co., Ltd.",
             "medium", "CN-HB", "CTDQ", (EL,), "027-8788 1425"),
    Supplier("zhijiang", "浙江之江信息系统有限公司",
             "Zhejiang Zhijiang Information Systems Co., Ltd.", "medium", "CN-ZJ", "ZJXX",
             (IT, OE), "0571-8702 3366"),
    Supplier("qilu", "山东齐鲁数码科技有限公司", "Shandong Qilu Digital Technology Co., Ltd.",
             "medium", "CN-SD", "QLSM", (IT, EL, OE), "0531-8691 2250"),
    Supplier("dingsheng", "深圳华南鼎盛数码有限公司", "Shenzhen Huanan Dingsheng Digital Co., Ltd.",
             "small", "CN-GD", "DSSM", (IT,), "0755-2671 4482"),
    Supplier("xizi", "杭州西子办公用品有限公司", "Hangzhou Xizi Office Supplies Co., Ltd.", "small",
             "CN-ZJ", "XZBG", (OF,), "0571-8518 6620"),
    Supplier("tianfu", "成都天府数智科技有限公司", "Chengdu Tianfu Shuzhi Technology Co., Ltd.",
             "small", "CN-SC", "TFSZ", (IT, EL), "028-8541 7735"),
    Supplier("quancheng", "济南泉城办公家具有限公司", "Jinan Quancheng Office Furniture Co., Ltd.",
             "small", "CN-SD", "QCJJ", (FN,), "0531-8266 0918"),
    Supplier("haian", "青岛海岸电器销售有限公司", "Qingdao Haian Appliance Sales Co., Ltd.",
             "small", "CN-SD", "HADQ", (EL,), "0532-8577 3091"),
    Supplier("pujiang", "上海浦江网络科技有限公司", "Shanghai Pujiang Network Technology Co., Ltd.",
             "small", "CN-SH", "PJWL", (IT,), "021-5078 2214"),
    Supplier("shudu", "四川蜀都办公用品有限公司", "Sichuan Shudu Office Supplies Co., Ltd.",
             "small", "CN-SC", "SDBG", (OF,), "028-8663 5102"),
    Supplier("jinmen", "天津津门办公设备有限公司", "Tianjin Jinmen Office Equipment Co., Ltd.",
             "small", "CN-TJ", "JMBG", (OE, FN), "022-2835 6617"),
    Supplier("shancheng", "重庆山城电器有限公司", "Chongqing Shancheng Appliances Co., Ltd.",
             "small", "CN-CQ", "SCDQ", (EL, OF), "023-6879 4408"),
    # Ningbo Yongxing shares Hangzhou Xizi's contact phone: a collusion flag for the reports.
    Supplier("yongxing", "宁波甬兴文具有限公司", "Ningbo Yongxing Stationery Co., Ltd.", "micro",
             "CN-ZJ", "YXWJ", (OF,), "0571-8518 6620"),
    Supplier("yanyuan", "北京燕园文化用品有限公司", "Beijing Yanyuan Stationery Co., Ltd.",
             "micro", "CN-BJ", "YYWH", (OF,), "010-6275 1934"),
    Supplier("jianghan", "湖北江汉家具有限公司", "Hubei Jianghan Furniture Co., Ltd.", "micro",
             "CN-HB", "JHJJ", (FN,), "027-8362 5547"),
    Supplier("taihu", "无锡太湖电子有限公司", "Wuxi Taihu Electronics Co., Ltd.", "micro",
             "CN-JS", "THDZ", (IT, OE), "0510-8523 7719"),
    Supplier("boyuan", "北京博远家电有限公司", "Beijing Boyuan Home Appliances Co., Ltd.",
             "micro", "CN-BJ", "BYJD", (EL,), "010-8761 4326"),
    Supplier("qianhai", "深圳前海云端科技有限公司", "Shenzhen Qianhai Yunduan Technology Co., Ltd.",
             "micro", "CN-GD", "QHYD", (IT, OF), "0755-8660 2753"),
)

PURCHASERS: tuple[Purchaser, ...] = (
    Purchaser("mof", "财政部", "Ministry of Finance", "CN-BJ", "11", "50000.00", "150000.00", 3),
    Purchaser("moe", "教育部", "Ministry of Education", "CN-BJ", "11", "30000.00", "100000.00",
              2),
    Purchaser("stats", "国家统计局", "National Bureau of Statistics", "CN-BJ", "11", "50000.00",
              "200000.00", 3),
    Purchaser("shtax", "国家税务总局上海市税务局",
              "Shanghai Tax Service, State Taxation Administration", "CN-SH", "11", "20000.00",
              "100000.00", 2),
    Purchaser("zju", "浙江大学", "Zhejiang University", "CN-ZJ", "12", "50000.00", "150000.00",
              3),
    Purchaser("scu", "四川大学", "Sichuan University", "CN-SC", "12", "100000.00", "300000.00",
              2),
    Purchaser("gzcustoms", "广州海关", "Guangzhou Customs District", "CN-GD", "11", "30000.00",
              None, None),
    Purchaser("whu", "武汉大学", "Wuhan University", "CN-HB", "12", "50000.00", "200000.00", 2),
)

# Deterministic staff names for demo users (surname + given name).
STAFF_NAMES: tuple[str, ...] = (
    "王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄涛", "周婷", "吴强", "徐丽", "孙浩",
    "马超", "朱琳", "胡斌", "郭燕", "何平", "高峰", "林晓", "罗军", "郑欣", "梁宇", "谢萍", "宋健",
    "唐慧", "韩冰", "冯雪", "邓凯", "曹阳", "彭丹", "曾毅", "肖楠", "田野", "董明", "潘悦", "袁杰",
    "蒋莉", "蔡翔", "余晨", "杜鹃", "叶青", "程亮", "魏巍", "苏畅", "吕鑫", "丁宁", "任重", "沈璐",
)


@dataclass(frozen=True)
class AgreementSpec:
    number: str
    title: str
    parent: str  # category parent code whose leaves form the lots
    regions: tuple[str, ...]
    second_stage: str
    started_days_ago: int
    ends_in_days: int


AGREEMENTS: tuple[AgreementSpec, ...] = (
    AgreementSpec(IT, "2026年度信息类产品框架协议 Information technology products framework "
                  "agreement 2026", "A02", ("*",), "direct", 183, 548),
    AgreementSpec(OF, "2026年度办公消耗用品框架协议 Office supplies and consumables framework "
                  "agreement 2026", "A08", ("*",), "direct", 170, 365),
    AgreementSpec(FN, "2026年度办公家具框架协议（华北华东） Office furniture framework agreement "
                  "2026 (North and East China)", "A05",
                  ("CN-BJ", "CN-TJ", "CN-HE", "CN-SH", "CN-JS", "CN-ZJ"), "competition", 150,
                  700),
    AgreementSpec(EL, "2026年度电器产品框架协议 Electrical appliances framework agreement 2026",
                  "A06", ("*",), "rotation", 190, 420),
    AgreementSpec(OE, "2026年度办公设备框架协议 Office equipment framework agreement 2026", "A03",
                  ("*",), "competition", 160, 610),
)
