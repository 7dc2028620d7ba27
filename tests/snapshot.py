"""Every row of every table, to show that a request changed nothing."""

from django.apps import apps

#: Rows any request may touch: its session, and allauth's record of it.
SESSION_TABLES = frozenset({"sessions.Session", "usersessions.UserSession"})


def snapshot(skip=SESSION_TABLES):
    """``{"app.Model": [row, …]}``: every column of every row, in primary-key order."""
    rows = {}
    for model in apps.get_models():
        label = model._meta.label
        if label in skip or not model._meta.managed:
            continue
        columns = [field.attname for field in model._meta.concrete_fields]
        rows[label] = list(model._base_manager.order_by("pk").values_list(*columns))
    return rows


def changed_tables(before, after):
    """The tables whose rows differ between two snapshots."""
    return sorted(
        label for label in before.keys() | after.keys() if before.get(label) != after.get(label)
    )
