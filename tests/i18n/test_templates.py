"""Every template string a reader sees goes through gettext (one language at a time)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.i18n.template_text import template_files, untranslated

ROOT = Path(__file__).resolve().parents[2]


def test_no_template_shows_text_outside_gettext(app: Flask) -> None:
    found = [str(u) for path in template_files(ROOT)
             for u in untranslated(app.jinja_env, path, ROOT)]
    assert not found, "text outside _() (wrap it in {{ _('…') }}):\n" + "\n".join(found)


@pytest.mark.parametrize(("template", "expected"), [
    ("<p>采购申请 Requisitions</p>", "采购申请 Requisitions"),
    ("<p>{{ _('Cart') }} · Total</p>", "Total"),
    ('<input placeholder="Search" name="q">', "Search"),
    ('<a title="{{ x }} 移除">{{ x }}</a>', "移除"),
    ('<input type="submit" value="Send">', "Send"),
    ("{{ '已提交' if done else _('Scoring') }}", "'已提交'"),
])
def test_the_checker_finds_bare_text(app: Flask, tmp_path: Path, template: str,
                                     expected: str) -> None:
    page = tmp_path / "mall" / "templates" / "t.html"
    page.parent.mkdir(parents=True)
    page.write_text(template, encoding="utf-8")
    found = untranslated(app.jinja_env, page, tmp_path)
    assert [u.text for u in found] == [expected]


@pytest.mark.parametrize("template", [
    "<p>{{ _('Requisitions') }}</p>",
    '<input name="q" placeholder="{{ _(\'Search\') }}" value="{{ q }}">',
    '<a lang="zh-CN" href="?lang=zh">中文</a>',
    "<td>SKU</td><td>{{ o.status | label('order_status') }}</td>",
    "{% trans %}Hello {{ name }}{% endtrans %}",
    "{{ _('Check “笔记本电脑”') }} <span data-x=\"{{ 'a' }}\">–</span>",
    '<input type="hidden" name="k" value="secret">',
])
def test_the_checker_accepts_translated_text(app: Flask, tmp_path: Path,
                                             template: str) -> None:
    page = tmp_path / "mall" / "templates" / "t.html"
    page.parent.mkdir(parents=True)
    page.write_text(template, encoding="utf-8")
    assert untranslated(app.jinja_env, page, tmp_path) == []
