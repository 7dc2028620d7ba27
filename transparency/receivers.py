"""Receivers of the lower layers' signals."""

from __future__ import annotations

from transparency.models import DataAccessCount


def count_data_access(**kwargs: object) -> None:
    """A person's data was downloaded (by them, or a guardian's of their child's): count it."""
    DataAccessCount.objects.count_one()
