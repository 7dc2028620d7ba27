"""Writing the quarters' reports."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from transparency.figures import figures_for
from transparency.models import Quarter, QuarterReport


@transaction.atomic
def quarter_report_compute(*, quarter: Quarter) -> QuarterReport:
    """Count the quarter's figures again and keep them: the quarter's one row, replaced."""
    report, _ = QuarterReport.objects.update_or_create(
        quarter=str(quarter),
        defaults={"figures": figures_for(quarter), "computed_at": timezone.now()},
    )
    return report
