from __future__ import annotations

import uuid
from http import HTTPStatus

from allauth.account.adapter import get_adapter
from allauth.account.decorators import reauthentication_required
from allauth.account.forms import BaseSignupForm
from allauth.account.views import SignupView as AllauthSignupView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.db import IntegrityError, transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts import age_screen
from accounts.forms import AgeScreenForm, DeleteAccountForm, MemberSignupForm, ProfileForm
from accounts.models import EMAIL_UNIQUE, USERNAME_UNIQUE, AgeBand, ErasureReceipt
from accounts.personal_data import export_download, export_user_data
from accounts.services import user_erase
from consent.cookies import forget_this_browser
from consent.forms import SharingChoiceForm
from consent.http import AuthenticatedRequest
from consent.markers import policy_gate_exempt
from consent.models import Recipient
from consent.receipts import receipt_of, receipt_response, receipts_of, receipts_zip_response
from consent.services import sharing_permission_set
from consent.throttle import rate_limited


# allauth ships no type information: its SignupView is a base mypy cannot see.
class SignupView(AllauthSignupView):  # type: ignore[misc]
    """allauth's sign-up, with the form chosen by the locked answer of the age screen."""

    def get_form_class(self) -> type[Form]:
        if age_screen.band(self.request) is AgeBand.UNDER_16:
            form_class = teen_signup_form()
            # signup() answers "closed" before this view runs without a teen form.
            assert form_class is not None
            return form_class
        return MemberSignupForm

    # allauth's sign-up forms are untyped (they add ``account_already_exists``).
    def form_valid(self, form: BaseSignupForm) -> HttpResponse:
        """Create the account; if someone took the address or the username after this
        form's checks (two sign-ups at once), answer as those checks would a moment later."""
        date_of_birth = age_screen.answer(self.request)
        try:
            with transaction.atomic():
                response: HttpResponse = super().form_valid(form)
            return response
        except IntegrityError as error:
            if EMAIL_UNIQUE in str(error):
                # As for any address that has an account: the usual page, and a mail to
                # the address saying so (allauth's), so that nobody learns which it is.
                form.account_already_exists = True
                response = super().form_valid(form)
                return response
            if USERNAME_UNIQUE not in str(error):
                raise
        if date_of_birth is not None:
            age_screen.give_back(self.request, date_of_birth)
        form.add_error("username", get_adapter().error_messages["username_taken"])
        response = self.form_invalid(form)
        return response


def teen_signup_form() -> type[Form] | None:
    """The under-16 sign-up form, provided by the guardians layer (``TEEN_SIGNUP_FORM``)."""
    path = getattr(settings, "TEEN_SIGNUP_FORM", "")
    return import_string(path) if path else None


_signup = SignupView.as_view()


@never_cache
@require_http_methods(["GET", "POST"])
@transaction.atomic
def signup(request: HttpRequest) -> HttpResponseBase:
    """``/accounts/signup/``: the age screen first, then allauth's sign-up form."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    if age_screen.answer(request) is None:
        return _age_screen(request)
    if age_screen.band(request) is AgeBand.UNDER_16 and teen_signup_form() is None:
        return render(request, "accounts/signup_closed.html", status=HTTPStatus.FORBIDDEN)
    response: HttpResponseBase = _signup(request)
    return response


def _age_screen(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and (limited := rate_limited(request, "age_screen")):
        return limited
    form = AgeScreenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        response = redirect(request.get_full_path())
        age_screen.record_answer(request, response, form.cleaned_data["date_of_birth"])
        return response
    return render(request, "account/signup_age.html", {"form": form})


@login_required
@require_safe
def me(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "accounts/user_detail.html", {"member": request.user})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedRequest) -> HttpResponse:
    member = request.user
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        instance=member,
        # A higher layer may lock the profile (a guardian's restrictions), with the reason.
        lock=request.profile_lock,
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile has been saved."))
        return redirect("accounts:profile")
    status = HTTPStatus.FORBIDDEN if form.lock and request.method == "POST" else HTTPStatus.OK
    return render(
        request, "accounts/user_form.html", {"form": form, "member": member}, status=status
    )


@login_required
@require_safe
def data(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "accounts/user_data.html",
        {
            "sections": export_user_data(request.user),
            "generated_at": timezone.now(),
            "receipts": receipts_of(request.user),
        },
    )


@policy_gate_exempt
@login_required
@require_safe
def receipt(request: AuthenticatedRequest, receipt_id: uuid.UUID) -> HttpResponse:
    """One of the person's own consent receipts, signed; anyone else's is a 404."""
    found = receipt_of(request.user, str(receipt_id))
    if found is None:
        raise Http404
    return receipt_response(found)


@policy_gate_exempt
@login_required
@require_safe
def receipts_zip(request: AuthenticatedRequest) -> HttpResponse:
    """Every consent receipt of the person, signed, in one ZIP file."""
    return receipts_zip_response(receipts_of(request.user), filename="tomato-consent-receipts.zip")


@policy_gate_exempt
@login_required
@require_safe
def data_json(request: AuthenticatedRequest) -> HttpResponse:
    return export_download(request.user, filename="tomato-my-data.json")


@policy_gate_exempt
@login_required
# allauth ships no type information: its decorator is untyped.
@reauthentication_required  # type: ignore[untyped-decorator]
@require_http_methods(["GET", "POST"])
def delete(request: AuthenticatedRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        receipt = user_erase(
            user_id=user.pk,
            reason=ErasureReceipt.Reason.ACCOUNT_DELETION,
            actor=user,
            notify=[user.email],
        )
        logout(request)
        messages.success(
            request,
            _("Your account and all your data have been deleted. Receipt reference: %(ref)s")
            % {"ref": receipt.reference if receipt else "-"},
        )
        response = redirect("home")
        # Nothing of theirs stays in this browser: the remembered email, the visitor ids,
        # the cookie choices.
        forget_this_browser(request, response)
        return response
    return render(request, "accounts/user_confirm_delete.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def sharing(request: AuthenticatedRequest) -> HttpResponse:
    """Data-sharing permissions (basis (b)): grant and withdraw, per recipient."""
    member = request.user
    # Under a guardian's care, the guardian decides (a higher layer says so).
    decided_by_guardian = request.policy_needs_guardian
    if request.method == "POST":
        if decided_by_guardian:
            raise PermissionDenied
        form = SharingChoiceForm(request.POST)
        if not form.is_valid():
            raise BadRequest
        recipient = form.cleaned_data["recipient"]
        sharing_permission_set(
            request=request, person=member, recipient=recipient, grant=form.grant
        )
        message = (
            _("You allowed sharing with %(name)s.")
            if form.grant
            else _("You withdrew your permission to share with %(name)s.")
        )
        messages.success(request, message % {"name": recipient.name})
        return redirect("accounts:sharing")
    return render(
        request,
        "accounts/sharing.html",
        {
            "recipients": Recipient.objects.offered_to(member),
            "decided_by_guardian": decided_by_guardian,
        },
    )
