"""Giveaway API: public list/detail/entering/proof, staff create/import/list/draw."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ApiError, IsStaff, PageNumberPagination, SlugRelatedField
from config.client import client_ip
from config.throttles import ClientRateThrottle
from kits.models import Kit
from kits.selectors import kit_get
from promotions.giveaways import draw, moderation, selectors
from promotions.giveaways import services as giveaways
from promotions.giveaways.models import RESERVED_SLUGS, Entry, Giveaway
from shop.catalog.models import Product
from shop.catalog.selectors import is_slug


def _not_found(slug: str) -> ApiError:
    return ApiError(status=404, code="not_found", detail=f"No giveaway {slug[:80]!r}.")


def _get(slug: str) -> Giveaway:
    giveaway = selectors.giveaway_get(slug=slug)
    if giveaway is None:
        raise _not_found(slug)
    return giveaway


class PrizeSerializer(serializers.Serializer[Any]):
    currency = serializers.CharField()
    description = serializers.CharField()
    kit = serializers.CharField(allow_null=True)
    products = serializers.ListField(child=serializers.CharField())
    value = serializers.DecimalField(max_digits=10, decimal_places=2)


class GiveawaySerializer(serializers.Serializer[Giveaway]):
    slug = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    rules = serializers.CharField()
    prize = serializers.SerializerMethodField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    status = serializers.SerializerMethodField()
    entries = serializers.IntegerField(source="entry_count")
    winners = serializers.IntegerField(source="winners_count")
    alternates = serializers.IntegerField(source="alternates_count")
    claim_days = serializers.IntegerField()
    min_age = serializers.IntegerField()
    countries = serializers.ListField(child=serializers.CharField())
    commitment = serializers.CharField(source="seed_commitment")
    drawn_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()

    @extend_schema_field(PrizeSerializer)
    def get_prize(self, giveaway: Giveaway) -> dict[str, Any]:
        return {
            "currency": settings.SHOP_CURRENCY,
            "description": giveaway.prize_description,
            "kit": giveaway.prize_kit.slug if giveaway.prize_kit else None,
            "products": [p.slug for p in giveaway.prize_products.all()],
            "value": f"{selectors.prize_value(giveaway):.2f}",
        }

    def get_status(self, giveaway: Giveaway) -> str:
        return giveaway.phase()

    def get_url(self, giveaway: Giveaway) -> str:
        return giveaway.get_absolute_url()


class GiveawayCreateSerializer(serializers.Serializer[Any]):
    slug = serializers.SlugField(max_length=80)
    title = serializers.CharField(max_length=160)
    prize_kit = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    winners = serializers.IntegerField(min_value=1, max_value=100, required=False, default=1)
    alternates = serializers.IntegerField(min_value=0, max_value=100, required=False, default=5)
    description = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    rules = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    prize_description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    prize_products = SlugRelatedField(
        slug_field="slug", queryset=Product.objects.all(), many=True, required=False
    )
    claim_days = serializers.IntegerField(min_value=1, max_value=365, required=False, default=14)
    min_age = serializers.IntegerField(min_value=0, max_value=120, required=False, default=18)
    countries = serializers.ListField(
        child=serializers.RegexField(r"^[A-Za-z]{2}$"), required=False, max_length=250
    )

    def validate_prize_kit(self, value: str | None) -> Kit | None:
        if not value:
            return None
        kit = kit_get(slug=value, include_inactive=True) if is_slug(value) else None
        if kit is None:
            raise serializers.ValidationError(f"No kit is called {value[:120]!r}.")
        return kit

    def validate_slug(self, value: str) -> str:
        if value in RESERVED_SLUGS:
            raise serializers.ValidationError(f"{value!r} is reserved; choose another slug.")
        if Giveaway.objects.filter(slug=value).exists():
            raise serializers.ValidationError("A giveaway with this slug exists.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["closes_at"] <= attrs["opens_at"]:
            raise serializers.ValidationError({"closes_at": ["Must be after opens_at."]})
        return attrs


class EntryCreateSerializer(serializers.Serializer[Any]):
    # Lengths are checked by the service so the messages say what the limits are.
    name = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False)
    email = serializers.CharField(allow_blank=True, required=False)
    comment = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)
    country = serializers.CharField(allow_blank=True, required=False)
    age_confirmed = serializers.BooleanField(required=False, default=False)
    news = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also email me a day before giveaways close (confirmed with the entry).",
    )


class EntryAcceptedSerializer(serializers.Serializer[Any]):
    status = serializers.CharField()


class EntrySerializer(serializers.Serializer[Entry]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()
    comment = serializers.CharField()
    status = serializers.CharField()
    spam_score = serializers.IntegerField()
    spam_reasons = serializers.JSONField()
    confirmed = serializers.SerializerMethodField()
    source = serializers.CharField()  # type: ignore[assignment]
    created_at = serializers.DateTimeField()
    draw_position = serializers.IntegerField(allow_null=True)
    claim = serializers.CharField()

    def get_confirmed(self, entry: Entry) -> bool:
        return entry.confirmed_at is not None


class ImportRowSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(allow_blank=True, trim_whitespace=False)
    email = serializers.CharField(allow_blank=True)
    comment = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)


class ImportResultSerializer(serializers.Serializer[Any]):
    imported = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    held = serializers.IntegerField()


class ProofEntrySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProofSerializer(serializers.Serializer[Any]):
    """The published draw proof: `python -m promotions.verify_draw` re-runs it."""

    version = serializers.IntegerField()
    algorithm = serializers.CharField()
    giveaway = serializers.CharField()
    title = serializers.CharField()
    closes_at = serializers.CharField()
    drawn_at = serializers.CharField()
    commitment = serializers.CharField()
    seed = serializers.CharField()
    list_hash = serializers.CharField()
    winners_count = serializers.IntegerField()
    alternates_count = serializers.IntegerField()
    entries = ProofEntrySerializer(many=True)
    winners = serializers.ListField(child=serializers.IntegerField())
    alternates = serializers.ListField(child=serializers.IntegerField())


class DrawnEntrySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    position = serializers.IntegerField()


class DrawResultSerializer(serializers.Serializer[Any]):
    winner = DrawnEntrySerializer()
    winners = DrawnEntrySerializer(many=True)
    alternates = DrawnEntrySerializer(many=True)
    proof = ProofSerializer()


class ImportSerializer(serializers.Serializer[Any]):
    entries = ImportRowSerializer(many=True, allow_empty=False, max_length=10000)  # type: ignore[call-arg]


class GiveawayEntryThrottle(ClientRateThrottle):
    """Entering is throttled per client address, signed in or not."""

    scope = "giveaway_entry"


class GiveawayListApi(generics.GenericAPIView[Giveaway]):
    serializer_class = GiveawaySerializer
    pagination_class = PageNumberPagination

    @extend_schema(responses=GiveawaySerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.giveaway_list_public())
        return self.get_paginated_response(GiveawaySerializer(page, many=True).data)  # type: ignore[arg-type]

    @extend_schema(request=GiveawayCreateSerializer, responses={201: GiveawaySerializer})
    def post(self, request: Request) -> Response:
        incoming = GiveawayCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        created = giveaways.giveaway_create(
            slug=data["slug"],
            title=data["title"],
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            winners_count=data["winners"],
            alternates_count=data["alternates"],
            description=data.get("description", ""),
            rules=data.get("rules", ""),
            prize_description=data.get("prize_description", ""),
            prize_kit=data.get("prize_kit"),
            prize_products=data.get("prize_products", []),
            claim_days=data["claim_days"],
            min_age=data["min_age"],
            countries=data.get("countries", []),
        )
        return Response(
            GiveawaySerializer(selectors.giveaway_get(slug=created.slug)).data,
            status=status.HTTP_201_CREATED,
        )


class GiveawayDetailApi(APIView):
    @extend_schema(responses=GiveawaySerializer)
    def get(self, request: Request, slug: str) -> Response:
        return Response(GiveawaySerializer(_get(slug)).data)


class EntryListCreateApi(APIView):
    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "POST" else [IsStaff()]

    def get_throttles(self) -> list[Any]:
        extra = [GiveawayEntryThrottle()] if self.request.method == "POST" else []
        return [*extra, *super().get_throttles()]

    @extend_schema(
        parameters=[OpenApiParameter("status", str, description="Only entries in this status")],
        responses=EntrySerializer(many=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        giveaway = _get(slug)
        wanted = request.query_params.get("status", "")
        if wanted and wanted not in Entry.Status.values:
            raise ApiError(
                status=400,
                code="invalid_filter",
                detail=f"status must be one of {', '.join(Entry.Status.values)}.",
                errors={"status": [f"Use one of {', '.join(Entry.Status.values)}."]},
            )
        entries = selectors.entry_list(giveaway=giveaway, status=wanted)
        return Response(EntrySerializer(entries, many=True).data)  # type: ignore[arg-type]

    @extend_schema(
        request=EntryCreateSerializer,
        responses={202: EntryAcceptedSerializer},
        description="Enter the giveaway; confirmed by a link in an email before it can win.",
    )
    def post(self, request: Request, slug: str) -> Response:
        giveaway = selectors.giveaway_get(slug=slug)
        if giveaway is None:
            raise _not_found(slug)
        incoming = EntryCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = giveaways.entry_clean(**incoming.validated_data)
        giveaways.giveaway_enter(
            giveaway=giveaway, data=data, client_ip=client_ip(request), source=Entry.Source.API
        )
        # Held spam gets the same answer as anyone: it waits for its confirmation.
        return Response({"status": "pending"}, status=status.HTTP_202_ACCEPTED)


class EntryImportApi(APIView):
    permission_classes = [IsStaff]

    @extend_schema(request=ImportSerializer, responses={200: ImportResultSerializer})
    def post(self, request: Request, slug: str) -> Response:
        giveaway = _get(slug)
        incoming = ImportSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        result = moderation.entries_import(
            giveaway=giveaway, rows=incoming.validated_data["entries"]
        )
        return Response(
            {"imported": result.imported, "duplicates": result.duplicates, "held": result.held}
        )


class DrawApi(APIView):
    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "GET" else [IsStaff()]

    @extend_schema(responses={200: ProofSerializer})
    def get(self, request: Request, slug: str) -> Response:
        giveaway = _get(slug)
        if giveaway.proof is None:
            raise ApiError(
                status=404,
                code="not_drawn",
                detail=f"{giveaway.title} has not been drawn yet"
                + (
                    f"; it closes {giveaway.closes_at:%Y-%m-%d %H:%M} UTC."
                    if giveaway.closes_at > timezone.now()
                    else "."
                ),
            )
        return Response(giveaway.proof)

    @extend_schema(request=None, responses={200: DrawResultSerializer})
    def post(self, request: Request, slug: str) -> Response:
        giveaway = _get(slug)
        result = draw.giveaway_draw(giveaway=giveaway)

        def brief(entry: Entry) -> dict[str, Any]:
            return {"id": entry.pk, "name": entry.public_name, "position": entry.draw_position}

        winners = [brief(e) for e in result.winners]
        return Response(
            {
                "winner": winners[0] if winners else None,
                "winners": winners,
                "alternates": [brief(e) for e in result.alternates],
                "proof": result.proof,
            }
        )
