"""JSON text exactly as `json.dumps(value, ensure_ascii=False, indent=2)` writes it, faster.

With `indent`, the standard library encodes in pure Python, value by value (its C encoder
serves only compact output): on `parse --json` of 7,000 papers that was most of the
command's time after reading. Here each value is one call that joins its members, strings
are escaped by the C escaper, and the top-level list comes out element by element, so the
caller can write it without building one 20 MB string. Anything unusual (keys that are not
strings, types json would reject or convert) goes to `json.dumps` itself, so the text is
byte-identical in every case (a property test checks it).

`utf8` is the fast path `--json` takes: orjson (C, about ten times faster than `encode`)
writes the same text for every document zotsync makes. Where the two differ, no zotsync
document goes: orjson spells some floats otherwise (`1e-8` for `1e-08`, the same number;
zotsync writes no floats), writes NaN and the infinities as `null` (JSON has no spelling
for them; json.dumps writes the invalid `NaN`) and a plain `Enum` or a UUID by value
(json.dumps refuses them).
What orjson refuses (an integer beyond 64 bits, a key that is not a string, a lone
surrogate, an unknown type) is left to `encode`, which does as json.dumps does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from json.encoder import encode_basestring  # the C escaper (ensure_ascii=False) when built
from typing import Any

import orjson

_INFINITY = float("inf")


def _float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _fallback(value: Any, indent: str) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + indent)


def encode(value: Any, indent: str = "") -> str:
    """`value` as indented JSON text, nested at `indent` (spaces)."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        if not all(type(key) is str for key in value):
            return _fallback(value, indent)
        members = [encode_basestring(key) + ": " + (
            encode_basestring(item) if type(item) is str else encode(item, inner))
            for key, item in value.items()]
        return "{\n" + inner + (",\n" + inner).join(members) + "\n" + indent + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        items = [encode_basestring(item) if type(item) is str else encode(item, inner) for item in value]
        return "[\n" + inner + (",\n" + inner).join(items) + "\n" + indent + "]"
    return _fallback(value, indent)


# Dataclasses and dates go to `_refuse` (json.dumps refuses them; subclasses of str, int,
# dict and list are written by their base type, as json.dumps writes them).
_ORJSON_OPTIONS = (orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_DATACLASS
                   | orjson.OPT_PASSTHROUGH_DATETIME)


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def utf8(document: Any) -> bytes | None:
    """`encode(document)` and a newline, as UTF-8; None when orjson cannot write it (then
    use `chunks`)."""
    try:
        return orjson.dumps(document, default=_refuse, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        return None


def chunks(document: Any) -> Iterator[str]:
    """The text of `document` in pieces (a top-level list: one piece per element) that
    concatenate to `encode(document)`. Every piece is made before the first is given,
    so a value json cannot write raises before anything is written."""
    if isinstance(document, (list, tuple)) and document:
        pieces = [encode(item, "  ") for item in document]
        yield "[\n  "
        for index, piece in enumerate(pieces):
            yield piece if index == 0 else ",\n  " + piece
        yield "\n]"
    else:
        yield encode(document)
