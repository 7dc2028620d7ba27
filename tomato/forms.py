"""Site-wide form rendering: labels read exactly as written ("Password", not "Password:"),
and a refused form puts the focus on its first field in error."""

from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import SafeString


def first_invalid_field(form: forms.BaseForm) -> str | None:
    """The name of the field a refused form should focus: the first visible field with an
    error, or its first visible field when only the form as a whole was refused; None when the
    form was not refused."""
    if not form.is_bound or not form.errors:
        return None
    visible = [field for field in form.visible_fields() if not field.field.disabled]
    for field in visible:
        if field.errors:
            return field.name
    return visible[0].name if visible else None


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

    def build_widget_attrs(
        self, attrs: dict[str, str | bool], widget: forms.Widget | None = None
    ) -> dict[str, str | bool]:
        """Django's attributes, and ``autofocus`` on exactly one field of a refused form, so that
        the page that shows the errors opens on the first of them (no JavaScript needed)."""
        attrs = super().build_widget_attrs(attrs, widget)
        if (first := first_invalid_field(self.form)) is not None:
            # False, not absent: it also overrides an autofocus set on the widget itself.
            attrs["autofocus"] = self.name == first
        return attrs


class FormRenderer(DjangoTemplates):
    bound_field_class = BoundField
