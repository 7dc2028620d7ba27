from __future__ import annotations

from http import HTTPStatus

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from consent.cookies import visitor_id, write_prefs
from consent.forms import BeaconForm, CookieChoiceForm, ThemeForm
from consent.groups import all_groups
from consent.models import PageView
from consent.services import consent_choose
from consent.state import consent_of

FETCH_HEADER = "X-Cookie-Consent-Fetch"


@require_safe
def cookie_settings(request: HttpRequest) -> HttpResponse:
    """Every cookie group, what it is for, its cookies and the visitor's choice."""
    state = consent_of(request)
    groups = [(group, state.status(group.varname)) for group in all_groups()]
    return render(request, "consent/cookiegroup_list.html", {"cookie_groups": groups})


def _choose(request: HttpRequest, *, accept: bool) -> HttpResponse:
    form = CookieChoiceForm(request.POST)
    if not form.is_valid():
        return render(
            request, "consent/choice_invalid.html", {"form": form}, status=HTTPStatus.BAD_REQUEST
        )
    response: HttpResponse
    if request.headers.get(FETCH_HEADER):
        response = HttpResponse(status=HTTPStatus.NO_CONTENT)
    else:
        response = redirect(form.next_url(request))
    consent_choose(
        request=request,
        response=response,
        groups=form.cleaned_data["groups"],
        accept=accept,
        source=form.cleaned_data["source"],
    )
    return response


@require_POST
def accept(request: HttpRequest) -> HttpResponse:
    return _choose(request, accept=True)


@require_POST
def decline(request: HttpRequest) -> HttpResponse:
    return _choose(request, accept=False)


@require_POST
def theme(request: HttpRequest) -> HttpResponse:
    form = ThemeForm(request.POST)
    if not form.is_valid():
        return render(
            request, "consent/choice_invalid.html", {"form": form}, status=HTTPStatus.BAD_REQUEST
        )
    response = redirect(form.next_url(request))
    if not write_prefs(request, response, theme=form.cleaned_data["theme"]):
        return render(request, "consent/needs_personalisation.html", status=HTTPStatus.FORBIDDEN)
    return response


@never_cache
@require_safe
def beacon(request: HttpRequest) -> HttpResponse:
    """The first-party web beacon: counts a page view, only with Analytics consent."""
    response = HttpResponse(status=HTTPStatus.NO_CONTENT)
    if not consent_of(request).analytics:
        return response
    form = BeaconForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            form.errors["path"][0], status=HTTPStatus.BAD_REQUEST, content_type="text/plain"
        )
    visitor = visitor_id(request, response)
    if visitor:
        PageView.objects.create(visitor=visitor, path=form.cleaned_data["path"])
    return response
