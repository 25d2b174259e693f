"""`--json` output is byte-identical to `json.dumps(ensure_ascii=False, indent=2)`."""

from __future__ import annotations

import enum
import io
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zotsync.commands.common import emit_json
from zotsync.core.json_text import chunks, encode, utf8

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
           | st.text())
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(), inner, max_size=4)
    | st.dictionaries(st.integers() | st.floats() | st.booleans() | st.none(), inner, max_size=3),
    max_leaves=30)


@given(documents)
def test_the_text_is_what_json_dumps_writes(document: Any) -> None:
    expected = json.dumps(document, ensure_ascii=False, indent=2)
    assert encode(document) == expected
    assert "".join(chunks(document)) == expected


# What zotsync writes: no floats (orjson spells some otherwise: 1e-8 for 1e-08).
plain = st.none() | st.booleans() | st.integers() | st.text()
plain_documents = st.recursive(
    plain,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(), inner, max_size=4)
    | st.dictionaries(st.integers() | st.booleans() | st.none(), inner, max_size=3),
    max_leaves=30)


@given(plain_documents)
def test_the_fast_path_writes_the_same_text_or_declines(document: Any) -> None:
    data = utf8(document)
    expected = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if data is None:  # a key that is not a string, an integer beyond 64 bits, a lone surrogate
        assert "".join(chunks(document)) + "\n" == expected
    else:
        assert data == expected.encode("utf-8")


def test_the_fast_path_takes_what_zotsync_writes() -> None:
    document = [{"title": "中文 \u2028 line\nbreak \x00 \x7f", "line": 14, "authors": ["A", "B"],
                 "summary": None, "sources": [], "more": {}, "seen": True}]
    assert utf8(document) == (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def test_the_fast_path_declines_what_json_writes_otherwise() -> None:
    assert utf8({1: "one"}) is None  # json.dumps turns the key into "1"
    assert utf8([2**70]) is None
    assert utf8(["\ud800"]) is None


class Action(enum.StrEnum):
    CREATE = "create"


class Code(enum.IntEnum):
    OK = 0


def test_enums_and_unusual_keys_are_written_as_json_writes_them() -> None:
    document = [{"action": Action.CREATE, "code": Code.OK, Action.CREATE: [1.5, -0.0, 1e16]},
                {1: "one", None: "none"}, "line\nbreak \u2028 \x00 中文", []]
    assert "".join(chunks(document)) == json.dumps(document, ensure_ascii=False, indent=2)
    plain = [{"action": Action.CREATE, "code": Code.OK}, document[2]]
    assert utf8(plain) == (json.dumps(plain, ensure_ascii=False, indent=2) + "\n").encode()


@given(st.floats())
def test_the_fast_path_writes_a_float_as_the_same_number(number: float) -> None:
    data = utf8([number])
    assert data is not None
    if math.isfinite(number):
        assert json.loads(data) == [number]
    else:  # JSON has no NaN or Infinity: orjson writes null (json.dumps, invalid JSON)
        assert json.loads(data) == [None]


def test_a_value_json_cannot_write_fails_before_any_piece() -> None:
    with pytest.raises(TypeError):
        next(chunks([1, {"x": object()}]))
    assert utf8([1, {"x": object()}]) is None


def test_emit_json_writes_utf8_bytes_or_text_whatever_stdout_is(monkeypatch: pytest.MonkeyPatch) -> None:
    document = [{"title": "中文 title", "n": 1}] * 30000  # 1.4 MB: written in two blocks
    expected = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    binary = io.BytesIO()
    text = io.TextIOWrapper(binary, encoding="latin-1")  # a locale that cannot spell 中文
    monkeypatch.setattr("sys.stdout", text)
    emit_json(document)
    assert binary.getvalue() == expected.encode("utf-8")
    plain = io.StringIO()  # an embedding program's stdout, without .buffer
    monkeypatch.setattr("sys.stdout", plain)
    emit_json(document)
    assert plain.getvalue() == expected
