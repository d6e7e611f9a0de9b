"""Find user-visible text in Jinja templates that does not go through gettext.

The template is cut into tokens by Jinja's own lexer. Everything that is not plain template
data (``{{ … }}``, ``{% … %}``, ``{% trans %}`` blocks) becomes an opaque placeholder; what
is left is HTML, read by the standard HTML parser. A text node, or a visible attribute
(title, placeholder, aria-label, alt, label, the value of a submit button), that still holds
a letter or a CJK character after the placeholders are taken out is text a reader sees in
one language only. So is a Chinese string literal inside an expression outside ``_()``.

Exempt: text inside an element that names its language (``lang="…"``: the language switch
writes each language in itself), inside <script>/<style>, and the few technical codes that
read the same in every language (``ALLOWED``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

HOLE = "\x00"
LETTERS = re.compile(r"[A-Za-z\u3400-\u9fff\uf900-\ufaff]")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Codes and format names that are not words of any one language.
ALLOWED = frozenset({"SKU", "GTIN", "CSV", "JSON", "API"})
VISIBLE_ATTRIBUTES = frozenset({"title", "placeholder", "aria-label", "alt", "label"})
BUTTON_INPUTS = frozenset({"submit", "button", "reset"})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})
GETTEXT_NAMES = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext"})


@dataclass(frozen=True)
class Untranslated:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def skeleton(env: Environment, source: str) -> tuple[str, list[tuple[int, str]]]:
    """The template's HTML with every Jinja construct replaced by HOLE, and the Chinese
    string literals found in expressions outside gettext calls (line, literal)."""
    out: list[str] = []
    literals: list[tuple[int, str]] = []
    in_trans = False
    block_names: list[str] = []
    gettext_depth: list[int] = []  # paren depth at which each open gettext call started
    depth = 0
    previous_name = ""
    line = 1
    for lineno, kind, value in env.lex(source):
        if lineno > line:  # keep HTML lines where the template has them
            out.append("\n" * (lineno - line))
            line = lineno
        if kind == "data":
            text = HOLE if in_trans else value
            out.append(text)
            line += text.count("\n")
            continue
        if kind == "block_begin":
            block_names = []
        elif kind == "name" and not block_names:
            block_names.append(value)
            if value == "trans":
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        if kind == "operator" and value == "(":
            depth += 1
            if previous_name in GETTEXT_NAMES:
                gettext_depth.append(depth)
        elif kind == "operator" and value == ")":
            if gettext_depth and gettext_depth[-1] == depth:
                gettext_depth.pop()
            depth -= 1
        elif kind == "string" and not gettext_depth and CJK.search(value):
            literals.append((lineno, value))
        previous_name = value if kind == "name" else ""
        out.append(HOLE)
    return "".join(out), literals


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, language declared here or above)

    def _exempt(self) -> bool:
        return bool(self.stack) and (self.stack[-1][1] or self.stack[-1][0] in ("script",
                                                                               "style"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        declared = "lang" in named and tag != "html"
        inherited = self._exempt() or declared
        if not inherited:
            for name, value in attrs:
                visible = name in VISIBLE_ATTRIBUTES or (
                    name == "value" and tag == "input"
                    and (named.get("type") or "") in BUTTON_INPUTS)
                if visible and value:
                    self._check(value)
        if tag not in VOID:
            self.stack.append((tag, inherited))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if not self._exempt():
            self._check(data)

    def _check(self, text: str) -> None:
        words = [w for w in re.split(r"[\s\x00]+", text) if w]
        shown = [w for w in words if LETTERS.search(w) and w.strip(".,:;()·") not in ALLOWED]
        if shown:
            before = text[:text.find(shown[0])].count("\n")
            self.found.append((self.getpos()[0] + before, " ".join(shown)))


def untranslated(env: Environment, path: Path, root: Path) -> list[Untranslated]:
    source = path.read_text(encoding="utf-8")
    html, literals = skeleton(env, source)
    reader = _Reader()
    reader.feed(html)
    reader.close()
    name = str(path.relative_to(root))
    return ([Untranslated(name, line, text) for line, text in reader.found]
            + [Untranslated(name, line, text) for line, text in literals])


def template_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "mall").rglob("templates/**/*.html"))
