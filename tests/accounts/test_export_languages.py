"""Everything held about a person reads in their language: every column of the data page
and the download has a Chinese label (allauth's and Django's models included)."""

import re

from django.utils import translation

from accounts.personal_data import _column, declarations

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_exported_column_has_a_chinese_label():
    with translation.override("zh-hans"):
        labels = {
            f"{model._meta.label_lower}: {_column(model, spec)[0]}"
            for model, declaration in declarations()
            if declaration.holds_personal_data and declaration.exported
            for spec in declaration.fields
        }
        titles = {
            f"{model._meta.label_lower}: {declaration.title}"
            for model, declaration in declarations()
            if declaration.holds_personal_data
        }
    untranslated = sorted(
        text for text in labels | titles if not HAN.search(text.split(": ", 1)[1])
    )
    assert untranslated == []
