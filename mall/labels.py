"""Words for the codes pages show: statuses, sizes, regions, roles, booleans, units.

One ``label(code, kind)`` (the template filter ``label``) backed by gettext, so a page never
shows ``pending``, ``small``, ``CN-GD`` or ``True`` raw. The English words are the msgids;
the catalogs carry the Chinese. An unknown code is shown as it is, never an error.
``labeller()`` labels many codes at once (a search answer's facets) with one catalog look-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_babel import get_translations

from mall.i18n import current_language


def _l(message: str) -> str:
    """Mark a word for the catalogs (extracted as ``_l``); ``label`` translates it when shown."""
    return message


_STATUS = {
    "draft": _l("Draft"), "pending_review": _l("Awaiting review"), "active": _l("Active"),
    "suspended": _l("Suspended"), "expired": _l("Expired"), "delisted": _l("Delisted"),
    "debarred": _l("Debarred"),
}

LABELS: dict[str, dict[str, str]] = {
    "offer_status": _STATUS,
    "organization_status": _STATUS,
    "agreement_status": _STATUS,
    "price_change_status": {
        "applied": _l("Applied"), "pending_review": _l("Awaiting review"),
        "refused": _l("Refused"), "superseded": _l("Superseded"),
    },
    "feed_status": {
        "queued": _l("Queued"), "processing": _l("Processing"), "completed": _l("Completed"),
        "failed": _l("Failed"),
    },
    "requisition_status": {
        "pending": _l("Pending"), "approved": _l("Approved"), "ordered": _l("Ordered"),
        "blocked": _l("Blocked"), "rejected": _l("Rejected"), "cancelled": _l("Cancelled"),
    },
    "order_status": {
        "placed": _l("Placed"), "confirmed": _l("Confirmed"), "shipped": _l("Shipped"),
        "delivered": _l("Delivered"), "accepted": _l("Accepted"), "rejected": _l("Rejected"),
        "cancelled": _l("Cancelled"),
    },
    "order_action": {
        "confirm": _l("Confirm"), "ship": _l("Ship"), "deliver": _l("Mark delivered"),
        "reject": _l("Decline"), "accept": _l("Accept delivery"), "cancel": _l("Cancel"),
    },
    "order_event": {
        "order.place": _l("Placed"), "order.confirm": _l("Confirmed"),
        "order.ship": _l("Shipped"), "order.deliver": _l("Delivered"),
        "order.accept": _l("Accepted"), "order.reject": _l("Declined by the supplier"),
        "order.cancel": _l("Cancelled by the purchaser"),
    },
    "competition_status": {
        "open": _l("Open"), "awarded": _l("Awarded"), "cancelled": _l("Cancelled"),
    },
    "flag_kind": {
        "identical_totals": _l("Identical quoted totals"),
        "shared_contact": _l("Quoting suppliers share a contact"),
        "non_first_award": _l("Award not to the first-ranked quote"),
        "outlier_score": _l("Outlying expert score"),
        "accountability": _l("Purchaser past an accountability threshold"),
    },
    "flag_status": {"open": _l("Open"), "dismissed": _l("Dismissed"), "acted": _l("Acted on")},
    "flag_resolution": {"dismiss": _l("Dismiss"), "suspend": _l("Suspend the supplier"),
                        "debar": _l("Debar the supplier"),
                        "refer": _l("Refer to the audit authority")},
    "joint_status": {
        "open": _l("Open for commitments"), "competing": _l("Suppliers quoting"),
        "awarded": _l("Awarded"), "failed": _l("Failed"), "cancelled": _l("Cancelled"),
    },
    "standing": {
        "to_quote": _l("To quote"), "quoted": _l("Quoted"), "won": _l("Won"),
        "lost": _l("Not awarded"), "missed": _l("Did not quote"), "cancelled": _l("Cancelled"),
    },
    "method": {"lowest_price": _l("Lowest evaluated price"),
               "best_value": _l("Best value (expert panel)")},
    "route": {
        "direct": _l("Direct order"), "approval": _l("Needs approval"),
        "competition": _l("Second-stage competition"), "blocked": _l("Blocked"),
    },
    "outcome": {
        "pass": _l("Passed"), "counted": _l("Counted"), "direct": _l("Direct order"),
        "approval": _l("Needs approval"), "competition": _l("Competition"),
        "blocked": _l("Blocked"),
    },
    "second_stage": {"direct": _l("Direct purchase"), "competition": _l("Competition"),
                     "rotation": _l("Rotation")},
    "assignment": {"chosen": _l("Chosen by the purchaser"), "rotation": _l("Assigned by rotation")},
    "size": {"micro": _l("Micro"), "small": _l("Small"), "medium": _l("Medium"),
             "large": _l("Large")},
    "sme": {"true": _l("SME"), "false": _l("Large enterprise")},
    "organization_kind": {"purchaser": _l("Purchaser"), "supplier": _l("Supplier"),
                          "center": _l("Procurement center")},
    "role": {
        "buyer": _l("Buyer"), "approver": _l("Approver"), "auditor": _l("Auditor"),
        "finance": _l("Finance"), "supplier_admin": _l("Supplier administrator"),
        "center_admin": _l("Center administrator"), "expert": _l("Evaluation expert"),
    },
    "payment_status": {
        "pending": _l("Pending"), "succeeded": _l("Paid"), "failed": _l("Failed"),
        "invoiced": _l("Invoiced"), "settled": _l("Settled"),
    },
    "payment_method": {"card": _l("Card"), "invoice": _l("Invoice")},
    "requirement_op": {"eq": _l("equals"), "gte": _l("at least"), "lte": _l("at most"),
                       "in": _l("one of")},
    "bool": {"true": _l("Yes"), "false": _l("No")},
    "region": {
        "*": _l("Nationwide"),
        "CN": _l("China"), "US": _l("United States"), "GB": _l("United Kingdom"),
        "UA": _l("Ukraine"), "DE": _l("Germany"), "FR": _l("France"),
        "CN-BJ": _l("Beijing"), "CN-TJ": _l("Tianjin"), "CN-HE": _l("Hebei"),
        "CN-SX": _l("Shanxi"), "CN-NM": _l("Inner Mongolia"), "CN-LN": _l("Liaoning"),
        "CN-JL": _l("Jilin"), "CN-HL": _l("Heilongjiang"), "CN-SH": _l("Shanghai"),
        "CN-JS": _l("Jiangsu"), "CN-ZJ": _l("Zhejiang"), "CN-AH": _l("Anhui"),
        "CN-FJ": _l("Fujian"), "CN-JX": _l("Jiangxi"), "CN-SD": _l("Shandong"),
        "CN-HA": _l("Henan"), "CN-HB": _l("Hubei"), "CN-HN": _l("Hunan"),
        "CN-GD": _l("Guangdong"), "CN-GX": _l("Guangxi"), "CN-HI": _l("Hainan"),
        "CN-CQ": _l("Chongqing"), "CN-SC": _l("Sichuan"), "CN-GZ": _l("Guizhou"),
        "CN-YN": _l("Yunnan"), "CN-XZ": _l("Tibet"), "CN-SN": _l("Shaanxi"),
        "CN-GS": _l("Gansu"), "CN-QH": _l("Qinghai"), "CN-NX": _l("Ningxia"),
        "CN-XJ": _l("Xinjiang"), "CN-HK": _l("Hong Kong"), "CN-MO": _l("Macao"),
        "CN-TW": _l("Taiwan"),
        "US-AL": _l("Alabama"), "US-AK": _l("Alaska"), "US-AZ": _l("Arizona"),
        "US-AR": _l("Arkansas"), "US-CA": _l("California"), "US-CO": _l("Colorado"),
        "US-CT": _l("Connecticut"), "US-DE": _l("Delaware"),
        "US-DC": _l("District of Columbia"), "US-FL": _l("Florida"), "US-GA": _l("Georgia"),
        "US-HI": _l("Hawaii"), "US-ID": _l("Idaho"), "US-IL": _l("Illinois"),
        "US-IN": _l("Indiana"), "US-IA": _l("Iowa"), "US-KS": _l("Kansas"),
        "US-KY": _l("Kentucky"), "US-LA": _l("Louisiana"), "US-ME": _l("Maine"),
        "US-MD": _l("Maryland"), "US-MA": _l("Massachusetts"), "US-MI": _l("Michigan"),
        "US-MN": _l("Minnesota"), "US-MS": _l("Mississippi"), "US-MO": _l("Missouri"),
        "US-MT": _l("Montana"), "US-NE": _l("Nebraska"), "US-NV": _l("Nevada"),
        "US-NH": _l("New Hampshire"), "US-NJ": _l("New Jersey"), "US-NM": _l("New Mexico"),
        "US-NY": _l("New York"), "US-NC": _l("North Carolina"), "US-ND": _l("North Dakota"),
        "US-OH": _l("Ohio"), "US-OK": _l("Oklahoma"), "US-OR": _l("Oregon"),
        "US-PA": _l("Pennsylvania"), "US-RI": _l("Rhode Island"),
        "US-SC": _l("South Carolina"), "US-SD": _l("South Dakota"), "US-TN": _l("Tennessee"),
        "US-TX": _l("Texas"), "US-UT": _l("Utah"), "US-VT": _l("Vermont"),
        "US-VA": _l("Virginia"), "US-WA": _l("Washington"), "US-WV": _l("West Virginia"),
        "US-WI": _l("Wisconsin"), "US-WY": _l("Wyoming"),
    },
}


# Units of sale and measure as suppliers and category templates write them: Chinese counting
# words, or symbols (GB, mm, kVA) that read the same in both languages. A Chinese page shows
# the unit as written (the supplier's own word: 个, 把 and 支 all read "pc" in English, so
# the way back is not unique); other languages show the word here, translated.
UNITS_IN_ENGLISH: dict[str, str] = {
    "台": _l("unit"), "个": _l("pc"), "把": _l("pc"), "支": _l("pc"), "颗": _l("pc"),
    "件": _l("pc"), "张": _l("sheet"), "套": _l("set"), "箱": _l("carton"), "盒": _l("box"),
    "本": _l("copy"), "包": _l("pack"), "页": _l("pages"), "匹": _l("HP"),
    "人": _l("people"), "年": _l("years"), "口": _l("ports"),
}


def unit_label(unit: str | None) -> str:
    """The reader's word for a unit (the template filter ``unit``); unknown units and
    symbols come back unchanged."""
    if not unit:
        return ""
    if current_language() == "zh":
        return unit
    message = UNITS_IN_ENGLISH.get(unit)
    return unit if message is None else str(get_translations().ugettext(message))


def _label_with(translate: Callable[[str], str], code: Any, kind: str) -> str:
    """``code`` of ``kind`` in the words of ``translate`` (a catalog's gettext)."""
    if code is None:
        return ""
    if isinstance(code, bool):
        code, kind = ("true" if code else "false"), ("sme" if kind == "sme" else "bool")
    key = str(getattr(code, "value", code))
    message = LABELS.get(kind, {}).get(key)
    return key if message is None else str(translate(message))


def label(code: Any, kind: str = "bool") -> str:
    """The reader's word for ``code`` of ``kind`` (``label(o.status, 'order_status')``).

    Booleans need no kind; an unknown code comes back unchanged.
    """
    return _label_with(get_translations().ugettext, code, kind)


def labeller() -> Callable[[Any, str], str]:
    """``label`` bound to the reader's catalog, looked up once here rather than once per code
    (the reader's language does not change within a request)."""
    translate = get_translations().ugettext

    def label_in_language(code: Any, kind: str = "bool") -> str:
        return _label_with(translate, code, kind)

    return label_in_language


def init_app(app: Flask) -> None:
    app.add_template_filter(label, "label")
    app.add_template_global(label, "label")
    app.add_template_filter(unit_label, "unit")
