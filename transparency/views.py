"""The public transparency report: the page, and the same figures as CSV and JSON.

Each costs one query: the quarters' rows, counted beforehand by
``manage.py transparency_report``."""

from __future__ import annotations

import csv
import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from consent.admin import csv_cell
from consent.markers import cabin_open, policy_gate_exempt
from transparency.models import QuarterReport
from transparency.publication import THRESHOLD, PublishedQuarter, as_json, published


def _quarters() -> list[PublishedQuarter]:
    return [published(report) for report in QuarterReport.objects.newest_first()]


@cabin_open
@policy_gate_exempt
@require_safe
def report(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "transparency/quarterreport_list.html",
        {"quarters": _quarters(), "threshold": THRESHOLD},
    )


@cabin_open
@policy_gate_exempt
@require_safe
def report_csv(request: HttpRequest) -> HttpResponse:
    """One line per quarter and figure, in the visitor's language."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tomato-transparency-report.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [gettext("Quarter"), gettext("Figure"), gettext("Description"), gettext("Value")]
    )
    for quarter in _quarters():
        for row in [*quarter.counts, *quarter.shares]:
            value = row.shown.text if row.shown.withheld else row.shown.value
            writer.writerow([csv_cell(cell) for cell in (quarter.name, row.key, row.label, value)])
    return response


@cabin_open
@policy_gate_exempt
@require_safe
def report_json(request: HttpRequest) -> HttpResponse:
    payload = {
        "report": "Tomato transparency report",
        "fewer_than": THRESHOLD,
        "quarters": [as_json(quarter) for quarter in _quarters()],
    }
    response = HttpResponse(
        json.dumps(payload, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="tomato-transparency-report.json"'
    return response
