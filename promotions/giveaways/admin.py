"""Admin for giveaways: entry counts, the review queue, the draw, its proof, and entry emails."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from promotions.giveaways import draw, moderation, selectors
from promotions.giveaways import services as giveaways
from promotions.giveaways.models import Entry, Giveaway, HeldEntry
from promotions.messaging.models import OutboxMessage

# -- giveaways ---------------------------------------------------------------------------------


@admin.register(Giveaway)
class GiveawayAdmin(admin.ModelAdmin[Giveaway]):
    list_display = [
        "title",
        "opens_at",
        "closes_at",
        "phase_display",
        "entries_total",
        "entries_confirmed",
        "entries_held",
        "entries_link",
    ]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["prize_products"]
    actions = ["draw_now"]
    readonly_fields = ["seed_commitment", "drawn_at", "finalised_at", "proof_display", "created_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "description", "rules"]}),
        (
            "Prize",
            {
                "fields": [
                    "prize_kit",
                    "prize_description",
                    "prize_products",
                    "consolation_promotion",
                ]
            },
        ),
        (
            "When and who",
            {
                "fields": [
                    "opens_at",
                    "closes_at",
                    "winners_count",
                    "alternates_count",
                    "claim_days",
                    "min_age",
                    "countries",
                ]
            },
        ),
        (
            "Draw",
            {
                "fields": [
                    "seed_commitment",
                    "drawn_at",
                    "finalised_at",
                    "proof_display",
                    "created_at",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Giveaway]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                total=Count("entries"),
                confirmed=Count("entries", filter=Q(entries__confirmed_at__isnull=False)),
                held=Count("entries", filter=Q(entries__status=Entry.Status.HELD)),
            )
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Giveaway | None = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.drawn_at:
            # After the draw the published rules of the draw cannot change.
            fields += ["opens_at", "closes_at", "winners_count", "alternates_count", "slug"]
        return fields

    def get_prepopulated_fields(
        self, request: HttpRequest, obj: Giveaway | None = None
    ) -> dict[str, Any]:
        return {} if obj is not None and obj.drawn_at else {"slug": ["title"]}

    @admin.display(description="Phase")
    def phase_display(self, giveaway: Giveaway) -> str:
        return giveaway.phase()

    @admin.display(description="Entries", ordering="total")
    def entries_total(self, giveaway: Any) -> int:
        return int(giveaway.total)

    @admin.display(description="Confirmed", ordering="confirmed")
    def entries_confirmed(self, giveaway: Any) -> int:
        return int(giveaway.confirmed)

    @admin.display(description="Held", ordering="held")
    def entries_held(self, giveaway: Any) -> int:
        return int(giveaway.held)

    @admin.display(description="")
    def entries_link(self, giveaway: Giveaway) -> SafeString:
        return format_html(
            '<a href="../entry/?giveaway__id__exact={}">entries</a> · '
            '<a href="../heldentry/?giveaway__id__exact={}">review queue</a>',
            giveaway.pk,
            giveaway.pk,
        )

    @admin.display(description="Proof")
    def proof_display(self, giveaway: Giveaway) -> SafeString | str:
        if not giveaway.proof:
            return "Not drawn yet. The commitment above is public from the start."
        proof = giveaway.proof
        return format_html(
            "<p>List hash <code>{}</code><br>Seed <code>{}</code><br>Winners {} · alternates {}</p>"
            '<p><a href="/api/giveaways/{}/draw/">proof JSON</a> · '
            "verify with <code>python -m promotions.verify_draw proof.json</code></p>"
            "<details><summary>Eligible list ({} entries)</summary><pre>{}</pre></details>",
            proof["list_hash"],
            proof["seed"],
            ", ".join(str(i) for i in proof["winners"]),
            ", ".join(str(i) for i in proof["alternates"]) or "none",
            giveaway.slug,
            len(proof["entries"]),
            json.dumps(proof["entries"], indent=1, ensure_ascii=False),
        )

    @admin.action(description="Draw now (closed giveaways)")
    def draw_now(self, request: HttpRequest, queryset: QuerySet[Giveaway]) -> None:
        for giveaway in queryset:
            try:
                result = draw.giveaway_draw(giveaway=giveaway)
            except giveaways.GiveawayError as exc:
                self.message_user(request, f"{giveaway.title}: {exc.detail}", messages.ERROR)
                continue
            names = ", ".join(f"{e.public_name} (entry {e.pk})" for e in result.winners)
            self.message_user(
                request, f"{giveaway.title}: drawn. Winners: {names}.", messages.SUCCESS
            )


ENTRY_FIELDS: tuple[str, ...] = (
    "giveaway",
    "name",
    "email",
    "email_normalized",
    "comment",
    "country",
    "age_confirmed",
    "source",
    "status",
    "created_at",
    "confirmed_at",
    "reviewed_at",
    "spam_score",
    "spam_reasons_display",
    "spam_blocked",
    "draw_position",
    "claim",
    "claim_deadline",
    "claimed_at",
    "claim_details",
    "consolation_code",
    "emails_display",
)


class EntryAdmin(admin.ModelAdmin[Entry]):
    list_display = [
        "name",
        "email",
        "giveaway",
        "status",
        "spam_score",
        "confirmed",
        "source",
        "created_at",
        "confirm_email",
        "claim",
    ]
    list_filter = ["status", "source", "spam_blocked", "claim", "giveaway"]
    list_select_related = ["giveaway"]
    search_fields = ["name", "email", "email_normalized", "comment"]
    search_help_text = "Search by name, email or comment."
    actions = ["approve", "reject"]
    list_per_page = 100
    fields = ENTRY_FIELDS
    readonly_fields = ENTRY_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # entries are never deleted: reject them instead

    def get_queryset(self, request: HttpRequest) -> QuerySet[Entry]:
        confirm_state = OutboxMessage.objects.filter(
            purpose="giveaway_confirm",
            object_ref=Concat(
                Value("promotions.entry:"), Cast(OuterRef("pk"), output_field=CharField())
            ),
        ).values("state")[:1]
        return super().get_queryset(request).annotate(confirm_email_state=Subquery(confirm_state))

    @admin.display(boolean=True, description="Confirmed", ordering="confirmed_at")
    def confirmed(self, entry: Entry) -> bool:
        return entry.confirmed_at is not None

    @admin.display(description="Confirmation email")
    def confirm_email(self, entry: Any) -> str:
        return str(entry.confirm_email_state or "-")

    @admin.display(description="Spam reasons")
    def spam_reasons_display(self, entry: Entry) -> SafeString | str:
        if not entry.spam_reasons:
            return "None"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><strong>{}</strong> +{}: {}</li>",
                ((r.get("rule"), r.get("points"), r.get("detail")) for r in entry.spam_reasons),
            ),
        )

    @admin.display(description="Emails")
    def emails_display(self, entry: Entry) -> SafeString | str:
        sent = selectors.entry_emails(entries=[entry])[entry.pk]
        if not sent:
            return "None"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="../../../outboxmessage/{}/change/">{}</a>: {} ({} attempt(s)){}</li>',
                (
                    (
                        m.pk,
                        m.purpose,
                        m.state,
                        m.attempts,
                        f", sent {m.sent_at:%Y-%m-%d %H:%M}" if m.sent_at else "",
                    )
                    for m in sent
                ),
            ),
        )

    def _review(self, request: HttpRequest, queryset: QuerySet[Entry], approve: bool) -> None:
        result = moderation.entries_review(entries=queryset, approve=approve)
        verb = "Approved" if approve else "Rejected"
        self.message_user(
            request,
            f"{verb} {result.changed} entr{'y' if result.changed == 1 else 'ies'}.",
            messages.SUCCESS,
        )
        for refusal in result.refused[:20]:
            self.message_user(request, f"Not changed: {refusal}.", messages.WARNING)

    @admin.action(description="Approve selected entries")
    def approve(self, request: HttpRequest, queryset: QuerySet[Entry]) -> None:
        self._review(request, queryset, approve=True)

    @admin.action(description="Reject selected entries")
    def reject(self, request: HttpRequest, queryset: QuerySet[Entry]) -> None:
        self._review(request, queryset, approve=False)


admin.site.register(Entry, EntryAdmin)


@admin.register(HeldEntry)
class HeldEntryAdmin(EntryAdmin):
    """The review queue: held entries only, highest score first."""

    list_display = [
        "name",
        "email",
        "giveaway",
        "spam_score",
        "reasons_brief",
        "comment_brief",
        "confirmed",
    ]
    list_filter = ["giveaway", "spam_blocked", "source"]
    ordering = ["-spam_score", "pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Entry]:
        return super().get_queryset(request).filter(status=Entry.Status.HELD)

    @admin.display(description="Why")
    def reasons_brief(self, entry: Entry) -> str:
        return ", ".join(str(r.get("rule")) for r in entry.spam_reasons)

    @admin.display(description="Comment")
    def comment_brief(self, entry: Entry) -> str:
        return entry.comment[:140] + ("…" if len(entry.comment) > 140 else "")
