"""`--json` output is byte-identical to `json.dumps(ensure_ascii=False, indent=2)`."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zotsync.core.json_text import chunks, encode

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


class Action(enum.StrEnum):
    CREATE = "create"


class Code(enum.IntEnum):
    OK = 0


def test_enums_and_unusual_keys_are_written_as_json_writes_them() -> None:
    document = [{"action": Action.CREATE, "code": Code.OK, Action.CREATE: [1.5, -0.0, 1e16]},
                {1: "one", None: "none"}, "line\nbreak \u2028 \x00 中文", []]
    assert "".join(chunks(document)) == json.dumps(document, ensure_ascii=False, indent=2)


def test_a_value_json_cannot_write_fails_before_any_piece() -> None:
    with pytest.raises(TypeError):
        next(chunks([1, {"x": object()}]))
