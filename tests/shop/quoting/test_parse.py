"""The quote's item parser: the plain path takes well-formed items exactly as the full check does.

`quote_items_parse` first tries `_plain_item` on every item, a short path for the items nearly
every request sends, and falls back to `_parse_item` (which names what is wrong) as soon as one
is not plain. These tests hold the short path to accepting only what the full check accepts and
giving the same QuoteItem, and to taking every well-formed item, so it is really used.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shop.quoting import services as quoting

SETTINGS = settings(max_examples=400, deadline=None)

slugs = st.sampled_from(
    ["wash", " wash ", "", "   ", "x" * 120, "x" * 121, " " + "x" * 120, "tone\n"]
) | st.text(max_size=8)
values: st.SearchStrategy[Any] = (
    st.none()
    | st.booleans()
    | st.integers(-2, 101)
    | st.floats(allow_nan=False)
    | slugs
    | st.lists(slugs | st.integers(0, 3), max_size=4)
    | st.lists(st.just("wash"), min_size=49, max_size=52)
)
fields = st.sampled_from(["product", "kit", "routine", "quantity", "selections", "gift", 3])
raw_items = st.dictionaries(fields, values, max_size=4) | values

good_slugs = st.sampled_from(["wash", " wash ", "tone\n", "x" * 120]) | st.text(
    min_size=1, max_size=10
).filter(str.strip)
well_formed = st.one_of(
    st.fixed_dictionaries({"product": good_slugs}),
    st.fixed_dictionaries({"kit": good_slugs, "quantity": st.integers(1, 99)}),
    st.fixed_dictionaries(
        {
            "routine": good_slugs,
            "selections": st.lists(st.text(min_size=1, max_size=120), min_size=1, max_size=50),
        },
        optional={"quantity": st.integers(1, 99)},
    ),
)


@SETTINGS
@given(st.integers(0, 199), raw_items)
def test_the_plain_path_accepts_only_what_the_full_check_accepts(index: int, raw: Any) -> None:
    plain = quoting._plain_item(index, raw)
    errors: dict[str, list[str]] = {}
    full = quoting._parse_item(index, raw, errors)
    if plain is not None:
        assert errors == {}
        assert full == plain


@SETTINGS
@given(st.integers(0, 199), well_formed)
def test_the_plain_path_takes_every_well_formed_item(index: int, raw: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    assert quoting._plain_item(index, raw) == quoting._parse_item(index, raw, errors)
    assert errors == {}


@SETTINGS
@given(st.lists(well_formed | raw_items, min_size=1, max_size=6))
def test_parsing_a_list_gives_what_the_full_check_gives(items: list[Any]) -> None:
    errors: dict[str, list[str]] = {}
    full = [quoting._parse_item(index, raw, errors) for index, raw in enumerate(items)]
    if errors:
        with pytest.raises(quoting.InvalidItems) as raised:
            quoting.quote_items_parse(items=items)
        assert raised.value.errors == errors
    else:
        assert quoting.quote_items_parse(items=items) == full


def test_a_well_formed_item_after_a_bad_one_is_still_checked() -> None:
    with pytest.raises(quoting.InvalidItems) as raised:
        quoting.quote_items_parse(items=[{"product": "wash"}, {"product": ""}, {"kit": 5}])
    assert set(raised.value.errors) == {"items.1.product", "items.2.kit"}
