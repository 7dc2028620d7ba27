"""Look for a value in every text column of every table."""

from django.apps import apps
from django.db import models
from django.db.models.functions import Cast

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def rows_mentioning(needle):
    """``app.Model.field`` for every text column that holds ``needle`` in some row."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, TEXT_FIELDS):
                continue
            queryset = model._default_manager.annotate(
                _text=Cast(field.name, models.TextField())
            ).filter(_text__icontains=needle)
            if queryset.exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found
