"""The catalogs: every string the code marks has a Chinese translation, and they compile.

Extraction uses babel.cfg (what ``make translations`` uses), straight from the sources, so a
template brought in from another branch with new English msgids fails here naming each
msgid and where it is, before anyone runs ``make translations``.
"""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from mall.i18n import LANGUAGES, TRANSLATIONS, check_catalogs

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
            "_l": None, "N_": None}


def _po(lang: str) -> object:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _marked() -> dict[str, list[str]]:
    """msgid → the places (file:line) that use it."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str, list[str]] = defaultdict(list)
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found[msgid].append(f"{filename}:{lineno}")
    return found


def test_every_marked_string_has_a_chinese_translation() -> None:
    zh = _po("zh")
    missing = []
    for msgid, places in sorted(_marked().items()):
        entry = zh.get(msgid)  # type: ignore[attr-defined]
        strings = [] if entry is None else (
            [entry.string] if isinstance(entry.string, str) else list(entry.string))
        if not any(strings) or entry.fuzzy:
            missing.append(f"{places[0]}: msgid {msgid!r}"
                           + (" (not in zh/messages.po)" if entry is None else " (empty)"))
    assert not missing, (
        f"{len(missing)} strings without Chinese: run `make translations`, fill the msgstr "
        "in mall/translations/zh/LC_MESSAGES/messages.po, then `make install`:\n"
        + "\n".join(missing))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogs_compile_and_keep_their_placeholders(lang: str) -> None:
    catalog = _po(lang)
    problems = [f"{message.id!r}: {'; '.join(str(e) for e in errors)}"
                for message, errors in catalog.check()]  # type: ignore[attr-defined]
    assert not problems, "\n".join(problems)
    write_mo(io.BytesIO(), catalog)  # type: ignore[arg-type]


def test_compiled_catalogs_are_current() -> None:
    # The app refuses to start under test otherwise (mall.i18n.check_catalogs).
    check_catalogs()


def test_missing_compiled_catalogs_fail_loudly(tmp_path: Path) -> None:
    from mall.i18n import CatalogsNotCompiled

    (tmp_path / "zh" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "zh" / "LC_MESSAGES" / "messages.po").write_text("", encoding="utf-8")
    with pytest.raises(CatalogsNotCompiled, match="make install"):
        check_catalogs(tmp_path)
