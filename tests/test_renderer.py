"""config.api.JSONRenderer writes exactly the bytes DRF's JSONRenderer writes, faster."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from config.api import JSONRenderer

ours, drf = JSONRenderer(), DRFJSONRenderer()

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.floats(allow_nan=False, allow_infinity=False)
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@given(documents)
def test_the_same_bytes_as_drf_for_any_document(data: Any) -> None:
    assert ours.render(data) == drf.render(data)


def test_the_same_bytes_for_what_orjson_leaves_to_drf() -> None:
    moment = datetime.datetime(2026, 11, 25, 3, 0, tzinfo=datetime.UTC)
    data = {
        "at": moment,
        "day": moment.date(),
        "amount": Decimal("95.00"),
        "id": uuid.UUID(int=7),
        "big": 2**70,
        "line": "one\u2028two\u2029three",
        "é": "ünïcode ✓",
        "small": 1.5e-7,
    }
    assert ours.render(data) == drf.render(data)
    assert b'"2026-11-25T03:00:00Z"' in ours.render(data)


def test_indented_output_is_drf_s() -> None:
    data = {"a": [1, 2]}
    media = "application/json; indent=4"
    assert ours.render(data, media, {}) == drf.render(data, media, {})
    assert b"\n    " in ours.render(data, media, {})


def test_none_renders_nothing() -> None:
    assert ours.render(None) == drf.render(None) == b""
