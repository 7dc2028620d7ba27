"""Site-wide form rendering: labels read exactly as written ("Password", not "Password:")."""

from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import SafeString


class BoundField(forms.BoundField):
    def label_tag(
        self,
        contents: str | None = None,
        attrs: dict[str, str | bool] | None = None,
        label_suffix: str | None = None,
        tag: str | None = None,
    ) -> SafeString:
        return super().label_tag(contents, attrs, label_suffix="", tag=tag)

    def legend_tag(
        self,
        contents: str | None = None,
        attrs: dict[str, str | bool] | None = None,
        label_suffix: str | None = None,
    ) -> SafeString:
        return super().legend_tag(contents, attrs, label_suffix="")


class FormRenderer(DjangoTemplates):
    bound_field_class = BoundField
