"""Single-line text as people will read it: no direction overrides, no control characters.

Bidirectional controls (U+202A–U+202E, U+2066–U+2069, the marks U+200E, U+200F, U+061C) can
make a title display as something other than what is stored ("Trojan Source"), so they are
removed from every single-line field; other control characters become spaces.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import fields

_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def single_line(value: str) -> str:
    """``value`` without bidi controls, control characters as spaces, trimmed."""
    return _CONTROL.sub(" ", _BIDI.sub("", value)).strip()


class SingleLine(fields.String):
    """A marshmallow string field cleaned with :func:`single_line` before validation."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return single_line(super()._deserialize(value, attr, data, **kwargs))
