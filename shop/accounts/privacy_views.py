"""The account's privacy page, /account/privacy/: download everything held about you as JSON,
and close the account (confirmed with the password, or by typing DELETE for an account that
signs in by emailed code and has none)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from shop.accounts.privacy import account_erase, account_export

CONFIRM_WORD = "DELETE"


class DeleteForm(forms.Form):
    confirm = forms.CharField(max_length=128, strip=False)

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.user = user
        self.by_password = bool(getattr(user, "has_usable_password", lambda: False)())
        field = self.fields["confirm"]
        if self.by_password:
            field.label = "Your password"
            field.widget = forms.PasswordInput(attrs={"autocomplete": "current-password"})
        else:
            field.label = f"Type {CONFIRM_WORD} to confirm"
            field.widget = forms.TextInput(attrs={"autocomplete": "off"})

    def clean_confirm(self) -> str:
        value: str = self.cleaned_data["confirm"]
        if self.by_password:
            if not self.user.check_password(value):  # type: ignore[attr-defined]
                raise forms.ValidationError("That is not your password; nothing was deleted.")
        elif value.strip() != CONFIRM_WORD:
            raise forms.ValidationError(f"Type {CONFIRM_WORD} in capitals to confirm.")
        return value


@login_required
@require_http_methods(["GET", "POST"])
def account_privacy(request: HttpRequest) -> HttpResponse:
    form = DeleteForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            account_erase(user=request.user)
            logout(request)
            messages.success(request, "Your account is closed and your personal data erased.")
            return redirect("shop:home")
        return render(request, "account/privacy.html", {"form": form}, status=400)
    return render(request, "account/privacy.html", {"form": form})


@login_required
@require_GET
def account_privacy_export(request: HttpRequest) -> HttpResponse:
    body = json.dumps(account_export(user=request.user), cls=DjangoJSONEncoder, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response["Cache-Control"] = "no-store"
    return response
