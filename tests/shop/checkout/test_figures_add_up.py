"""Every page and email that shows a price summary shows the same figures as the API's breakdown,
and a shopper can add them up: the seven-piece collection ($180.00 regular, $85.00 bundle saving,
two gifts worth $64.00, total $95.00, "You save" $149.00) and a routine with PORES15 (the routine
tier and the code each named once, never a lump "Discounts" beside them).

Read on the cart, checkout, the order confirmation, the order page, the confirmation email (HTML
and text) and, for the kit, its page, the kit list, its products' pages (what each costs inside
it: its share of the kit's price in the quote's components) and the giveaway it is the prize of."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from kits.demo import ROUTINE_SLUG, SEVEN_PIECE_SLUG
from kits.models import Routine
from shop.catalog.models import Product
from shop.checkout.models import Order
from tests.shop.checkout.test_storefront import FORM, add, text
from tests.shop.checkout_helpers import confirmation_sent

pytestmark = pytest.mark.django_db

MONEY = re.compile(r"[−-]?\$\d[\d,]*\.\d\d")


def amount(shown: str) -> Decimal:
    return Decimal(shown.replace("$", "").replace(",", "").replace("−", "-"))


def quote(items: list[dict[str, Any]], code: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {"items": items}
    if code:
        body["promo_code"] = code
    response = APIClient().post("/api/quote/", body, format="json")
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def figures(b: dict[str, Any]) -> set[Decimal]:
    """Every amount the breakdown holds or implies: its totals, its applied and line amounts
    (and their labels'), and the gifts' worth (`value` - `subtotal`)."""
    found = {Decimal(b[k]) for k in ("subtotal", "discount_total", "shipping", "total")}
    found |= {Decimal(b["value"]), Decimal(b["savings"]), Decimal("0.00")}
    found.add(Decimal(b["value"]) - Decimal(b["subtotal"]))
    found |= {Decimal(a["amount"]) for a in b["applied"]}
    found |= {amount(m) for a in b["applied"] for m in MONEY.findall(a["label"])}  # "over $50.00"
    for line in b["lines"]:
        found |= {Decimal(line[k]) for k in ("unit_price", "subtotal", "total")}
        found |= {Decimal(a["amount"]) for a in line["adjustments"]}
    return found


def summary_of(page: str) -> str:
    """The price summary of a page: the breakdown list, or the order table's footer."""
    found = re.search(r'<dl class="breakdown">.*?</dl>', page, re.S) or re.search(
        r"<tfoot>.*?</tfoot>", page, re.S
    )
    assert found, "no price summary"
    return found.group(0)


def rows(summary: str) -> list[tuple[str, str]]:
    """(label, amount shown) of each row of a summary list or table."""
    pairs = re.findall(r"<dt[^>]*>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", summary, re.S)
    pairs += re.findall(r"<th[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>", summary, re.S)
    return [(text(label).strip(), text(value).strip()) for label, value in pairs]


def check_adds_up(shown: list[tuple[str, str]], b: dict[str, Any]) -> None:
    """Regular price - each discount + shipping = total; "You save" = the discounts + the
    gifts' worth; and these are the breakdown's own figures."""
    by_label = dict(shown)
    regular = amount(by_label["Regular price"])
    discounts = [amount(v) for _, v in shown if v.startswith("−")]
    shipping_shown = next(v for label, v in shown if label.startswith("Shipping"))
    shipping = Decimal("0.00") if shipping_shown in ("Free", "free") else amount(shipping_shown)
    total = amount(next(v for label, v in shown if label.startswith("Total")))
    assert regular + sum(discounts) + shipping == total
    assert total == Decimal(b["total"]) and regular == Decimal(b["subtotal"])
    assert -sum(discounts) == Decimal(b["discount_total"])
    worth = [amount(m) for label, _ in shown if "worth" in label for m in MONEY.findall(label)]
    saved = next((v for label, v in shown if label.startswith(("You save", "You saved"))), None)
    if saved is not None:
        assert amount(MONEY.findall(saved)[0]) == -sum(discounts) + sum(worth)
        assert amount(MONEY.findall(saved)[0]) == Decimal(b["savings"])
    assert "Discounts" not in by_label  # each discount named, never a lump beside them


def check_page(page: str, b: dict[str, Any], where: str) -> None:
    summary = summary_of(page)
    allowed = figures(b)
    for shown in MONEY.findall(text(summary)):
        assert abs(amount(shown)) in allowed, f"{where}: {shown} is not a figure of the breakdown"
    check_adds_up(rows(summary), b)


def check_text_email(body: str, b: dict[str, Any]) -> None:
    allowed = figures(b)
    for shown in MONEY.findall(body):
        assert abs(amount(shown)) in allowed, f"text email: {shown}"
    shown = []
    for line in body.splitlines():
        label, _, value = line.rpartition(": ")
        if MONEY.fullmatch(value.strip()) or value.strip() == "free":
            shown.append((label.replace("Total charged", "Total"), value.strip()))
    saved = re.search(r"You saved (\$[\d.,]+)", body)
    assert saved is not None
    check_adds_up([*shown, ("You saved", saved.group(1))], b)


def without_ids(b: dict[str, Any]) -> dict[str, Any]:
    return {**b, "lines": [{**line, "id": ""} for line in b["lines"]]}


def buy(client: Client, b: dict[str, Any], *, giveaway: bool) -> None:
    cart = client.get("/cart/").content.decode()
    check_page(cart, b, "cart")
    check_page(client.get("/checkout/").content.decode(), b, "checkout")
    placed = client.post("/checkout/", FORM)
    assert placed.status_code == 302, placed.content
    order = Order.objects.get()
    assert without_ids(order.breakdown) == without_ids(b)  # the API's quote is what was charged
    check_page(client.get(placed["Location"]).content.decode(), b, "confirmation")
    page = client.get(f"/orders/{order.number}/?token={order.access_token}")
    check_page(page.content.decode(), b, "order page")
    mail = confirmation_sent()
    html = re.search(
        r"<tr><td[^>]*>Regular price.*?</table>\s*(<p[^>]*>You saved.*?</p>)", mail.body_html, re.S
    )
    assert html is not None, mail.body_html
    allowed = figures(b)
    for shown in MONEY.findall(text(html.group(0))):
        assert abs(amount(shown)) in allowed, f"HTML email: {shown}"
    pairs = re.findall(r"<td[^>]*>(.*?)</td><td[^>]*>(.*?)</td>", html.group(0), re.S)
    shown = [
        (text(label).strip().replace("Total charged", "Total"), text(v).strip())
        for label, v in pairs
    ]
    check_adds_up([*shown, ("You saved", text(html.group(1)))], b)
    check_text_email(mail.body_text, b)


def test_the_seven_piece_collection_adds_up_everywhere(demo: None, client: Client) -> None:
    b = quote([{"kit": SEVEN_PIECE_SLUG, "quantity": 1}])
    assert (b["subtotal"], b["total"], b["value"], b["savings"]) == (
        "180.00",
        "95.00",
        "244.00",
        "149.00",
    )
    for share in b["lines"][0]["components"]:
        if share.get("gift"):
            continue
        regular = Product.objects.get(slug=share["product"]).price_amount
        product_page = text(client.get(f"/products/{share['product']}/").content.decode())
        assert (
            f"In The seven-piece collection it costs ${share['allocated']} instead of ${regular}: "
            f"you save ${regular - Decimal(share['allocated'])} on it, $149.00 on the whole kit "
            "with its free gifts."
        ) in product_page
    kit_page = text(client.get(f"/kits/{SEVEN_PIECE_SLUG}/").content.decode())
    assert "You save $149.00: $85.00 off the products + $64.00 of free gifts." in kit_page
    kits = text(client.get("/kits/").content.decode())
    assert "$180.00 of products + $64.00 of free gifts: you save $149.00" in kits
    add(client, kit=SEVEN_PIECE_SLUG)
    cart = text(client.get("/cart/").content.decode())
    assert "Free gifts (2) worth $64.00 $0.00" in cart
    assert "The seven-piece collection bundle saving −$85.00" in cart
    assert "You save $149.00 $85.00 off + $64.00 of free gifts" in cart
    buy(client, b, giveaway=True)
    giveaway = text(client.get(f"/giveaways/{SEVEN_PIECE_SLUG}/").content.decode())
    worth = re.search(
        r"Worth (\$[\d.]+) \(\s*(\$[\d.]+) of products \+ (\$[\d.]+) of free", giveaway
    )
    assert worth is not None, giveaway
    assert [amount(m) for m in worth.groups()] == [Decimal(b["value"]), Decimal("180"), 64]


def test_a_routine_with_pores15_names_each_discount_once(demo: None, client: Client) -> None:
    routine = Routine.objects.get(slug=ROUTINE_SLUG)
    chosen = [
        slot.step.products.filter(active=True).order_by("price_amount", "slug").first().slug
        for slot in routine.slots.select_related("step").order_by("position")
        if slot.required
    ]
    item = {"routine": ROUTINE_SLUG, "selections": chosen, "quantity": 1}
    b = quote([item], code="PORES15")
    sources = sorted(a["source"] for a in b["applied"] if a["source"] != "shipping")
    assert sources == ["bundle", "promo"], b["applied"]
    client.post("/cart/add/", {"routine": ROUTINE_SLUG, "selections": chosen})
    client.post("/cart/promo/", {"code": "PORES15"})
    cart = text(client.get("/cart/").content.decode())
    assert "Routine 10% off" in cart and "Promo code PORES15: 15% off" in cart
    buy(client, b, giveaway=False)
