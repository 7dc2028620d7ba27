from __future__ import annotations

import functools
from typing import Any

from cookie_consent.cache import all_cookie_groups
from django import forms
from django.utils.translation import gettext_lazy as _

from consent.cookies import THEMES
from consent.markers import named_url_patterns
from consent.models import ConsentSource, Recipient


class CookieChoiceForm(forms.Form):
    """Accept or decline some cookie groups (``cookie_groups``), or all of them (``all_groups``)."""

    cookie_groups = forms.MultipleChoiceField(required=False)
    all_groups = forms.BooleanField(required=False)
    source = forms.ChoiceField(
        choices=[
            (ConsentSource.BANNER, ConsentSource.BANNER.label),
            (ConsentSource.SETTINGS, ConsentSource.SETTINGS.label),
        ],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # Django's Form arguments, passed on
        super().__init__(*args, **kwargs)
        field = self.fields["cookie_groups"]
        assert isinstance(field, forms.MultipleChoiceField)
        groups = all_cookie_groups()
        self.varnames = list(groups)
        field.choices = [(varname, group.name) for varname, group in groups.items()]
        field.error_messages["invalid_choice"] = _("There is no cookie group called %(value)s.")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("all_groups"):
            data["groups"] = list(self.varnames)
        elif data.get("cookie_groups"):
            data["groups"] = list(data["cookie_groups"])
        elif not self.errors:
            raise forms.ValidationError(_("Choose at least one cookie group."))
        data["source"] = data.get("source") or ConsentSource.SETTINGS
        return data


class ThemeForm(forms.Form):
    theme = forms.ChoiceField(choices=[(theme, theme) for theme in THEMES])


@functools.cache
def page_routes() -> frozenset[str]:
    """The name of every page of the site ("home", "guardians:ward"), from the URL configuration."""
    return frozenset(name for name, _ in named_url_patterns())


class BeaconForm(forms.Form):
    """The web beacon names the page it was shown on; never a path, which can carry secrets."""

    route = forms.CharField(
        max_length=100,
        error_messages={"required": _("The beacon takes the name of a page of this site.")},
    )

    def clean_route(self) -> str:
        route: str = self.cleaned_data["route"]
        if route not in page_routes():
            raise forms.ValidationError(_("The beacon takes the name of a page of this site."))
        return route


class SharingChoiceForm(forms.Form):
    """Grant or withdraw the permission to share with one active recipient."""

    recipient = forms.ModelChoiceField(queryset=Recipient.objects.all())
    action = forms.ChoiceField(choices=[("grant", _("Allow sharing")), ("withdraw", _("Withdraw"))])

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        recipient = data.get("recipient")
        if data.get("action") == "grant" and recipient is not None and not recipient.is_active:
            raise forms.ValidationError(
                _("We no longer share data with %(name)s.") % {"name": recipient.name}
            )
        return data

    @property
    def grant(self) -> bool:
        return bool(self.cleaned_data["action"] == "grant")
