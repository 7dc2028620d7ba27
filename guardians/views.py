from __future__ import annotations

import uuid
from http import HTTPStatus

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.personal_data import export_download, export_user_data
from consent.forms import SharingChoiceForm
from consent.http import AuthenticatedRequest
from consent.markers import cabin_open, secret_in_url
from consent.models import Recipient
from consent.receipts import receipt_of, receipt_response, receipts_of, receipts_zip_response
from consent.services import sharing_permission_set
from consent.throttle import rate_limited
from guardians.forms import (
    GuardianDecisionForm,
    GuardianEmailForm,
    GuardianSwitchesForm,
    WardDeleteForm,
)
from guardians.middleware import guardianship_of
from guardians.models import GuardianRequest, Guardianship
from guardians.services import (
    NotEligible,
    check_eligible,
    guardian_request_approve,
    guardian_request_decline,
    guardian_request_send,
    guardianship_set_collection,
    guardianship_set_switches,
    ward_erase,
)
from guardians.tokens import LinkError, read_token

LINK_ERROR_STATUS = {
    "invalid": HTTPStatus.BAD_REQUEST,
    "expired": HTTPStatus.GONE,
    "used": HTTPStatus.GONE,
}


# --- The teen, waiting -------------------------------------------------------------


def _awaiting(request: AuthenticatedRequest) -> Guardianship:
    guardianship = guardianship_of(request)
    if guardianship is None or guardianship.is_active:
        raise Http404
    return guardianship


@cabin_open
@login_required
@require_safe
def waiting(request: AuthenticatedRequest) -> HttpResponse:
    guardianship = guardianship_of(request)
    if guardianship is None or guardianship.is_active:
        return redirect("accounts:me")
    latest = guardianship.requests.order_by("-sent_at").first()
    teen = request.user
    return render(
        request,
        "guardians/waiting.html",
        {
            "guardianship": guardianship,
            "latest": latest,
            "email_form": GuardianEmailForm(teen=teen),
        },
    )


@cabin_open
@login_required
@require_POST
def resend(request: AuthenticatedRequest) -> HttpResponse:
    guardianship = _awaiting(request)
    if limited := rate_limited(request, "guardian_request", user=request.user):
        return limited
    guardian_request_send(guardianship=guardianship)
    messages.success(request, _("We have sent the request to your guardian again."))
    return redirect("guardians:waiting")


@cabin_open
@login_required
@require_POST
def change_email(request: AuthenticatedRequest) -> HttpResponse:
    guardianship = _awaiting(request)
    teen = request.user
    form = GuardianEmailForm(request.POST, teen=teen)
    if not form.is_valid():
        latest = guardianship.requests.order_by("-sent_at").first()
        context = {"guardianship": guardianship, "latest": latest, "email_form": form}
        return render(request, "guardians/waiting.html", context, status=HTTPStatus.BAD_REQUEST)
    if limited := rate_limited(request, "guardian_request", user=request.user):
        return limited
    guardian_request_send(guardianship=guardianship, email=form.cleaned_data["guardian_email"])
    messages.success(request, _("We have sent the request to the new address."))
    return redirect("guardians:waiting")


# --- The guardian's link -------------------------------------------------------------


@secret_in_url
@never_cache
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, token: str) -> HttpResponse:
    """The guardian's link: who asks, and (logged in and eligible) Approve or Decline."""
    try:
        return _consent(request, read_token(token))
    except LinkError as error:  # a bad or old link, or one answered meanwhile elsewhere
        return render(
            request,
            "guardians/link_error.html",
            {"reason": error.reason},
            status=LINK_ERROR_STATUS[error.reason],
        )


def _consent(request: HttpRequest, guardian_request: GuardianRequest) -> HttpResponse:
    form = GuardianDecisionForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {
        "guardian_request": guardian_request,
        "teen": guardian_request.guardianship.teen,
        "form": form,
    }
    if not request.user.is_authenticated:
        return render(request, "guardians/consent.html", context)
    try:
        check_eligible(guardian_request=guardian_request, guardian=request.user)
    except NotEligible as reason:
        context["not_eligible"] = str(reason)
        return render(request, "guardians/consent.html", context, status=HTTPStatus.FORBIDDEN)
    if request.method == "GET":
        return render(request, "guardians/consent.html", context)
    if not form.is_valid():
        return render(request, "guardians/consent.html", context, status=HTTPStatus.BAD_REQUEST)
    if form.approve:
        guardianship = guardian_request_approve(
            request=request, guardian_request=guardian_request, guardian=request.user
        )
        messages.success(request, _("You have approved the account. Both switches start off."))
        return redirect("guardians:ward", pk=guardianship.pk)
    guardian_request_decline(
        request=request, guardian_request=guardian_request, guardian=request.user
    )
    messages.success(request, _("You have declined. The account and its data have been erased."))
    return redirect("guardians:portal")


# --- The guardian's portal -----------------------------------------------------------


@login_required
@require_safe
def portal(request: AuthenticatedRequest) -> HttpResponse:
    wards = Guardianship.objects.for_guardian(request.user).order_by("teen__username")
    return render(request, "guardians/guardianship_list.html", {"wards": wards})


def _ward(request: AuthenticatedRequest, pk: int) -> Guardianship:
    """One of the logged-in guardian's own wards; anyone else's is a 404."""
    return get_object_or_404(Guardianship.objects.for_guardian(request.user), pk=pk)


@login_required
@require_safe
def ward(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    guardianship = _ward(request, pk)
    return render(
        request,
        "guardians/guardianship_detail.html",
        {
            "ward": guardianship,
            "teen": guardianship.teen,
            "sections": export_user_data(guardianship.teen),
            "switches": GuardianSwitchesForm.for_ward(guardianship),
            "recipients": Recipient.objects.offered_to(guardianship.teen),
            "receipts": receipts_of(guardianship.teen),
        },
    )


@login_required
@require_POST
def ward_sharing(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The guardian grants or withdraws a data-sharing permission for the ward."""
    guardianship = _ward(request, pk)
    form = SharingChoiceForm(request.POST)
    if not form.is_valid():
        raise BadRequest
    sharing_permission_set(
        request=request,
        person=guardianship.teen,
        recipient=form.cleaned_data["recipient"],
        grant=form.grant,
        granted_by=request.user,
    )
    messages.success(request, _("Your choice about sharing has been saved."))
    return redirect("guardians:ward", pk=pk)


@login_required
@require_POST
def ward_switches(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    guardianship = _ward(request, pk)
    form = GuardianSwitchesForm(request.POST)
    form.is_valid()  # two optional booleans: always valid
    guardianship_set_switches(
        request=request,
        guardianship=guardianship,
        allow_optional_fields=form.cleaned_data["allow_optional_fields"],
        allow_personalisation=form.cleaned_data["allow_personalisation"],
    )
    messages.success(request, _("Your choices have been saved."))
    return redirect("guardians:ward", pk=pk)


@login_required
@require_POST
def ward_stop(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    guardianship_set_collection(request=request, guardianship=_ward(request, pk), stopped=True)
    messages.success(request, _("Further collection is stopped. The profile is frozen."))
    return redirect("guardians:ward", pk=pk)


@login_required
@require_POST
def ward_resume(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    guardianship_set_collection(request=request, guardianship=_ward(request, pk), stopped=False)
    messages.success(request, _("Collection has resumed."))
    return redirect("guardians:ward", pk=pk)


@login_required
@require_safe
def ward_download(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return export_download(_ward(request, pk).teen, filename="tomato-child-data.json")


@login_required
@require_safe
def ward_receipt(request: AuthenticatedRequest, pk: int, receipt_id: uuid.UUID) -> HttpResponse:
    """One consent receipt of the guardian's own ward; anything else is a 404."""
    found = receipt_of(_ward(request, pk).teen, str(receipt_id))
    if found is None:
        raise Http404
    return receipt_response(found)


@login_required
@require_safe
def ward_receipts_zip(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return receipts_zip_response(
        receipts_of(_ward(request, pk).teen), filename="tomato-child-consent-receipts.zip"
    )


@login_required
def ward_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    # Someone else's ward is a 404 before anything else, re-authentication included.
    response: HttpResponse = _ward_delete(request, _ward(request, pk))
    return response


# allauth ships no type information: its decorator is untyped.
@reauthentication_required  # type: ignore[untyped-decorator]
@require_http_methods(["GET", "POST"])
def _ward_delete(request: AuthenticatedRequest, guardianship: Guardianship) -> HttpResponse:
    form = WardDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        receipt = ward_erase(request=request, guardianship=guardianship)
        messages.success(
            request,
            _("Your child's account and data have been deleted. Receipt reference: %(ref)s")
            % {"ref": receipt.reference if receipt else "-"},
        )
        return redirect("guardians:portal")
    return render(
        request,
        "guardians/guardianship_confirm_delete.html",
        {"ward": guardianship, "teen": guardianship.teen, "form": form},
    )
