"""The quote's item parser, `quote_items_parse`: every well-formed item is taken as sent, and
anything else is refused with every bad item named at once."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shop.pricing import MAX_QUANTITY
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
    st.fixed_dictionaries({"kit": good_slugs, "quantity": st.integers(1, MAX_QUANTITY)}),
    st.fixed_dictionaries(
        {
            "routine": good_slugs,
            "selections": st.lists(st.text(min_size=1, max_size=120), min_size=1, max_size=50),
        },
        optional={"quantity": st.integers(1, MAX_QUANTITY)},
    ),
)


def expected(index: int, raw: dict[str, Any]) -> quoting.QuoteItem:
    kind = next(kind for kind in quoting.KINDS if kind in raw)
    return quoting.QuoteItem(
        kind=kind,
        slug=raw[kind].strip(),
        quantity=raw.get("quantity", 1),
        selections=tuple(raw.get("selections", ())),
        id=str(index),
    )


@SETTINGS
@given(st.lists(well_formed, min_size=1, max_size=6))
def test_every_well_formed_item_is_taken_as_sent(items: list[dict[str, Any]]) -> None:
    assert quoting.quote_items_parse(items=items) == [
        expected(index, raw) for index, raw in enumerate(items)
    ]


@SETTINGS
@given(st.lists(well_formed | raw_items, min_size=1, max_size=6))
def test_a_list_is_taken_whole_or_refused_naming_only_its_items(items: list[Any]) -> None:
    try:
        parsed = quoting.quote_items_parse(items=items)
    except quoting.InvalidItems as refused:
        assert refused.errors
        for key in refused.errors:
            assert key.split(".")[0] == "items" and int(key.split(".")[1]) < len(items)
    else:
        assert parsed == [expected(index, raw) for index, raw in enumerate(items)]


def test_a_well_formed_item_after_a_bad_one_is_still_checked() -> None:
    with pytest.raises(quoting.InvalidItems) as raised:
        quoting.quote_items_parse(items=[{"product": "wash"}, {"product": ""}, {"kit": 5}])
    assert set(raised.value.errors) == {"items.1.product", "items.2.kit"}
