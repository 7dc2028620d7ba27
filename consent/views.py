from __future__ import annotations

from http import HTTPStatus

from allauth.account.utils import get_next_redirect_url
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from consent.cookies import visitor_id, write_prefs
from consent.forms import BeaconForm, CookieChoiceForm, ThemeForm
from consent.groups import all_groups
from consent.http import AuthenticatedRequest
from consent.markers import cabin_open, policy_gate_exempt
from consent.middleware import POLICY_OK_SESSION_KEY
from consent.models import ConsentSource, PageView, PolicyAcceptance, PolicyVersion
from consent.receipts import public_jwk
from consent.services import consent_choose, policy_version_agree
from consent.state import consent_of
from consent.throttle import rate_limited

FETCH_HEADER = "X-Cookie-Consent-Fetch"


def next_url(request: HttpRequest) -> str:
    """Where to go back to: the ``next`` parameter when it is safe (allauth's rule) and a path
    on this site, else home. Never a bare word, which ``redirect()`` would take for the name
    of a view (``next=0`` was a 500, ``next=home`` a lookup of the URL configuration)."""
    target = get_next_redirect_url(request) or "/"
    return target if target.startswith("/") else "/"


def after_choice_url(request: HttpRequest, source: str) -> str:
    """Back to the page of the choice; from the banner, at its main content (``#main``, which
    takes the focus), so that a keyboard user carries on from the page rather than from the
    top, without JavaScript. The script of the banner does the same without a page load."""
    target = next_url(request)
    if source == ConsentSource.BANNER and "#" not in target:
        return f"{target}#main"
    return target


@cabin_open
@policy_gate_exempt
@require_safe
def cookie_settings(request: HttpRequest) -> HttpResponse:
    """Every cookie group, what it is for, its cookies and the visitor's choice."""
    state = consent_of(request)
    groups = [(group, state.status(group.varname)) for group in all_groups()]
    return render(request, "consent/cookiegroup_list.html", {"cookie_groups": groups})


def _choose(request: HttpRequest, *, accept: bool) -> HttpResponse:
    if limited := rate_limited(request, "consent_choice"):
        return limited
    form = CookieChoiceForm(request.POST)
    if not form.is_valid():
        return render(
            request, "consent/choice_invalid.html", {"form": form}, status=HTTPStatus.BAD_REQUEST
        )
    response: HttpResponse
    if request.headers.get(FETCH_HEADER):
        response = HttpResponse(status=HTTPStatus.NO_CONTENT)
    else:
        response = HttpResponseRedirect(after_choice_url(request, form.cleaned_data["source"]))
    consent_choose(
        request=request,
        response=response,
        groups=form.cleaned_data["groups"],
        accept=accept,
        source=form.cleaned_data["source"],
    )
    return response


@cabin_open
@policy_gate_exempt
@require_POST
def accept(request: HttpRequest) -> HttpResponse:
    return _choose(request, accept=True)


@cabin_open
@policy_gate_exempt
@require_POST
def decline(request: HttpRequest) -> HttpResponse:
    return _choose(request, accept=False)


@cabin_open
@policy_gate_exempt
@require_POST
def theme(request: HttpRequest) -> HttpResponse:
    form = ThemeForm(request.POST)
    if not form.is_valid():
        return render(
            request, "consent/choice_invalid.html", {"form": form}, status=HTTPStatus.BAD_REQUEST
        )
    response = HttpResponseRedirect(next_url(request))
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
    if rate_limited(request, "beacon"):
        return HttpResponse(status=HTTPStatus.TOO_MANY_REQUESTS)
    form = BeaconForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            form.errors["route"][0], status=HTTPStatus.BAD_REQUEST, content_type="text/plain"
        )
    visitor = visitor_id(request, response)
    if visitor:
        PageView.objects.create(visitor=visitor, route=form.cleaned_data["route"])
    return response


@cabin_open
@policy_gate_exempt
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def policy_agree(request: AuthenticatedRequest) -> HttpResponse:
    """ "We've updated our Privacy Policy": the change summary, the texts, and "I agree"."""
    target = next_url(request)
    required = PolicyVersion.objects.requiring_agreement()
    if required is None or PolicyAcceptance.objects.covers(user=request.user, version=required):
        return HttpResponseRedirect(target)
    # A teen under a guardian's care waits for the guardian to agree (a higher layer says so).
    needs_guardian = request.policy_needs_guardian
    if request.method == "POST":
        if needs_guardian:
            raise PermissionDenied
        policy_version_agree(request=request, version=required)
        request.session[POLICY_OK_SESSION_KEY] = required.version
        return HttpResponseRedirect(target)
    return render(
        request,
        "consent/policy_agree.html",
        {
            "policy": required,
            "previous": PolicyVersion.objects.previous_to(required),
            "next": target,
            "needs_guardian": needs_guardian,
        },
    )


@cabin_open
@policy_gate_exempt
@cache_control(public=True, max_age=60 * 60)
@require_safe
def receipt_key(request: HttpRequest) -> JsonResponse:
    """``/privacy/receipt-key.json``: the public key that verifies consent receipts (a JWK)."""
    return JsonResponse(public_jwk())
