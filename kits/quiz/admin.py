"""The quiz in the admin: questions, options and rules editable; a preview of any quiz (a draft
copy too) from answers to the priced routine; completions and how many became orders."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from config.admin import NamedListCellsMixin
from config.errors import DomainError
from kits.quiz import selectors, services
from kits.quiz.answers import QuizInfo
from kits.quiz.models import Quiz, QuizCompletion, QuizOption, QuizQuestion, QuizRule


class QuizQuestionInline(admin.TabularInline[QuizQuestion, Quiz]):
    model = QuizQuestion
    extra = 0
    fields = ["slug", "text", "multiple", "position"]
    show_change_link = True


@admin.register(Quiz)
class QuizAdmin(NamedListCellsMixin, admin.ModelAdmin[Quiz]):
    list_display = ["name", "routine", "active", "position", "completions", "preview_link"]
    list_editable = ["active", "position"]
    filter_horizontal = ["featured"]
    inlines = [QuizQuestionInline]
    actions = ["copy_as_draft"]
    readonly_fields = ["completions", "preview_link"]

    @admin.display(description="completions (added to cart / became orders)")
    def completions(self, quiz: Quiz) -> str:
        totals = selectors.completion_totals(quiz_id=quiz.pk)
        return f"{totals['completions']} ({totals['carted']} / {totals['ordered']})"

    @admin.display(description="preview")
    def preview_link(self, quiz: Quiz) -> SafeString:
        if quiz.pk is None:
            return format_html("{}", "Save first")
        url = reverse("admin:kits_quiz_preview", args=[quiz.pk])
        return format_html('<a href="{}">Answers → routine</a>', url)

    @admin.action(description="Copy as an inactive draft (to preview rule changes first)")
    def copy_as_draft(self, request: HttpRequest, queryset: QuerySet[Quiz]) -> None:
        for quiz in queryset:
            copy = services.quiz_copy(quiz=quiz)
            messages.success(request, f"Copied as {copy.name} (inactive).")

    def get_urls(self) -> list[URLPattern]:
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("<int:quiz_id>/preview/", preview, name="kits_quiz_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest, quiz_id: int) -> HttpResponse:
        quiz = selectors.quiz_get(quiz_id=quiz_id)
        if quiz is None:
            raise Http404("No such quiz")
        context: dict[str, Any] = {**self.admin_site.each_context(request), "quiz": quiz}
        try:
            setup = selectors.quiz_setup_load(quiz=quiz)
        except DomainError as error:
            context["problem"] = error.detail
            return render(request, "kits/admin/quiz_preview.html", context)
        form = PreviewForm(setup.quiz, request.POST or None)
        context.update(form=form, title=f"Preview: {quiz.name}", opts=self.model._meta)
        if request.method == "POST" and form.is_valid():
            try:
                context["result"] = services.quiz_preview(setup=setup, answers=form.answers())
            except DomainError as error:  # InvalidAnswers, QuizUnavailable, InvalidItems
                context["problem"] = error.detail
        return render(request, "kits/admin/quiz_preview.html", context)


class PreviewForm(forms.Form):
    """One field per question: what a shopper would answer."""

    def __init__(self, quiz: QuizInfo, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.quiz = quiz
        for question in quiz.questions:
            choices = [(option.slug, option.label) for option in question.options]
            if question.multiple:
                self.fields[question.slug] = forms.MultipleChoiceField(
                    label=question.text,
                    choices=choices,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )
            else:
                self.fields[question.slug] = forms.ChoiceField(
                    label=question.text, choices=choices, widget=forms.RadioSelect
                )

    def answers(self) -> dict[str, Any]:
        return {question.slug: self.cleaned_data[question.slug] for question in self.quiz.questions}


class QuizOptionInline(admin.TabularInline[QuizOption, QuizQuestion]):
    model = QuizOption
    extra = 0
    fields = ["slug", "label", "phrase", "steps", "position"]
    show_change_link = True


@admin.register(QuizQuestion)
class QuizQuestionAdmin(admin.ModelAdmin[QuizQuestion]):
    list_display = ["text", "slug", "quiz", "multiple", "position"]
    list_filter = ["quiz"]
    inlines = [QuizOptionInline]


class QuizRuleInline(admin.TabularInline[QuizRule, QuizOption]):
    model = QuizRule
    extra = 1
    fields = ["effect", "ingredient", "concern", "step", "weight", "reason", "position"]


@admin.register(QuizOption)
class QuizOptionAdmin(admin.ModelAdmin[QuizOption]):
    list_display = ["label", "slug", "question", "phrase", "position"]
    list_filter = ["question__quiz", "question"]
    filter_horizontal = ["steps"]
    inlines = [QuizRuleInline]


@admin.register(QuizRule)
class QuizRuleAdmin(NamedListCellsMixin, admin.ModelAdmin[QuizRule]):
    list_display = ["option", "effect", "ingredient", "concern", "step", "weight", "reason"]
    list_editable = ["effect", "weight", "reason"]
    list_filter = ["option__question__quiz", "effect", "option__question"]
    list_select_related = ["option__question", "ingredient", "concern", "step"]


@admin.register(QuizCompletion)
class QuizCompletionAdmin(admin.ModelAdmin[QuizCompletion]):
    list_display = ["created_at", "routine", "selection", "carted", "ordered"]
    list_filter = ["quiz"]
    readonly_fields = [f.name for f in QuizCompletion._meta.fields]
    list_select_related = ["cart__order"]
    change_list_template = "kits/admin/quizcompletion_change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="selection")
    def selection(self, completion: QuizCompletion) -> str:
        return ", ".join(completion.selections)

    @admin.display(boolean=True, description="added to cart")
    def carted(self, completion: QuizCompletion) -> bool:
        return completion.cart_id is not None

    @admin.display(boolean=True, description="became an order")
    def ordered(self, completion: QuizCompletion) -> bool:
        return completion.cart is not None and hasattr(completion.cart, "order")

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra_context = {**(extra_context or {}), "totals": selectors.completion_totals()}
        return super().changelist_view(request, extra_context)
