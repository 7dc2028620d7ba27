"""Staff are accountable in the admin: every opening of personal data, every change.

``StaffAccountability`` is mixed into every ModelAdmin the admin site registers, ours
and the libraries' alike (``accounts.admin_site.AdminSite.register``), so no admin can
be added without it. For every model whose admin shows personal data (the model's
declaration, or an inline's) it writes a ``StaffAccess`` row when a staff member opens a
record's change page or its history, or a list of records (a search among them); and
for every admin it keeps an ``AdminAction`` beside Django's ``LogEntry`` for each
addition, change and deletion, which the history page shows.

**A reason first.** Before a record's change page or history page shows anything of it
(superusers too), the staff member says why they open it (``StaffAccess.Reason``; a
legal request with its reference) on a form in its place. The reason is a grant, kept in
the staff member's session (server-side: nothing they can forge) for that staff member,
that kind of record, that record and that page: the page shows for ``GRANT_SECONDS``
(reloading does not ask again), and a form opened under it may be saved for
``SAVE_SECONDS``; another record, or the other page, asks again. Every showing of the
record is recorded with its reason. Lists and searches ask no reason: they show a few
columns of many people, each showing is recorded (with no reason), and a record opened
from them asks its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.admin.options import TO_FIELD_VAR, InlineModelAdmin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR, SEARCH_VAR
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.forms import AccessReasonForm
from accounts.models import AdminAction, StaffAccess, User, without_names
from accounts.personal_data import declaration_for
from consent.privacy import subject_hash

#: How long a reason given lets its page show again without asking.
GRANT_SECONDS = 10 * 60
#: How long after a reason was given a change form opened under it may still be saved.
SAVE_SECONDS = 60 * 60
#: The session key of the staff member's grants.
GRANTS = "admin_access_grants"


class Grant(TypedDict):
    staff: int
    reason: str
    reference: str
    given: float


def _grant_key(request: HttpRequest, label: str, object_id: str, view: str) -> str:
    return f"{request.user.pk}:{label}:{view}:{object_id}"


def grant_for(request: HttpRequest, label: str, object_id: str, view: str) -> Grant | None:
    """The staff member's reason for this page of this record, while it holds."""
    grant: Grant | None = request.session.get(GRANTS, {}).get(
        _grant_key(request, label, object_id, view)
    )
    if grant is None or grant["staff"] != request.user.pk:
        return None
    lifetime = GRANT_SECONDS if request.method in ("GET", "HEAD") else SAVE_SECONDS
    if timezone.now().timestamp() - grant["given"] > lifetime:
        return None
    return grant


def grant_give(
    request: HttpRequest, label: str, object_id: str, view: str, *, reason: str, reference: str
) -> None:
    """Keep the reason given for this page of this record (and forget the expired ones)."""
    now = timezone.now().timestamp()
    grants: dict[str, Grant] = {
        key: grant
        for key, grant in request.session.get(GRANTS, {}).items()
        if now - grant["given"] <= SAVE_SECONDS
    }
    assert isinstance(request.user, User)
    grants[_grant_key(request, label, object_id, view)] = {
        "staff": request.user.pk,
        "reason": reason,
        "reference": reference,
        "given": now,
    }
    request.session[GRANTS] = grants


def people_in(rows: Iterable[models.Model]) -> list[User]:
    """The people rows of one model are about, by its declaration (a user row is itself).

    The owners are fetched in one query, whatever the number of rows.
    """
    rows = list(rows)
    if not rows:
        return []
    if isinstance(rows[0], User):
        return [row for row in rows if isinstance(row, User)]
    declaration = declaration_for(type(rows[0]))
    if declaration is None or not declaration.holds_personal_data or not declaration.owner:
        return []
    prefetch_related_objects(rows, declaration.owner)
    people: list[User] = []
    for row in rows:
        target: object = row
        for part in declaration.owner.split("__"):
            target = getattr(target, part, None)
        if isinstance(target, User):
            people.append(target)
    return people


def _link_to(
    inline: type[InlineModelAdmin[models.Model, models.Model]], parent: type[models.Model]
) -> str:
    """The name of the inline model's foreign key to the parent model."""
    if inline.fk_name:
        return inline.fk_name
    for field in inline.model._meta.get_fields():
        if isinstance(field, models.ForeignKey) and field.related_model is parent:
            return field.name
    raise LookupError(f"{inline.model._meta.label} has no link to {parent._meta.label}")


class StaffAccountability[M: models.Model](admin.ModelAdmin[M]):
    """Admin mixin: openings of personal data and changes are written down (who, whom, when).

    A ModelAdmin itself so that its methods keep Django's signatures; the admin site puts
    it first among the bases of each registered admin class.
    """

    # --- What the admin shows ----------------------------------------------------------

    def _personal_inlines(self) -> list[type[InlineModelAdmin[models.Model, models.Model]]]:
        return [
            inline
            for inline in self.inlines
            if (declaration := declaration_for(inline.model)) is not None
            and declaration.holds_personal_data
        ]

    def shows_personal_data(self) -> bool:
        """Whether this admin's pages show personal data (its model's or an inline's)."""
        declaration = declaration_for(self.model)
        own = declaration is not None and declaration.holds_personal_data
        return own or bool(self._personal_inlines())

    def people_shown(self, obj: models.Model) -> list[User]:
        """The people whose data a record's page shows: its own, and its inlines' rows'."""
        people = people_in([obj])
        for inline in self._personal_inlines():
            people += people_in(
                inline.model._default_manager.filter(**{_link_to(inline, self.model): obj})
            )
        return list({person.pk: person for person in people}.values())

    # --- Openings --------------------------------------------------------------------------

    def record_opening(
        self, request: HttpRequest, view: str, people: list[User], grant: Grant | None = None
    ) -> None:
        """One row per person whose data was shown; one without a person if none is named.
        A record's page keeps the reason given for it."""
        staff = request.user
        assert isinstance(staff, User)
        common = {**StaffAccess.by(staff), "what": self.model._meta.label_lower, "view": view}
        if grant is not None:
            common |= {"reason": grant["reason"], "reason_reference": grant["reference"]}
        rows = [StaffAccess(user=p, subject=subject_hash(p.pk), **common) for p in people]
        if not rows:
            rows = [StaffAccess(**common)]
        StaffAccess.objects.bulk_create(rows)

    def _opened(
        self, request: HttpRequest, response: HttpResponse, view: str, grant: Grant | None
    ) -> None:
        if request.method != "GET" or response.status_code != 200:
            return
        if not self.shows_personal_data():
            return
        context = getattr(response, "context_data", None) or {}
        obj = context.get("original") or context.get("object")
        if isinstance(obj, models.Model):
            self.record_opening(request, view, self.people_shown(obj), grant)

    def reason_first(
        self, request: HttpRequest, object_id: str, view: str
    ) -> tuple[HttpResponse | None, Grant | None]:
        """Before a record with personal data shows: the reason given for it (a grant),
        else the form that asks it in the record's place (a response)."""
        if not self.shows_personal_data():
            return None, None
        to_field = request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR))
        obj = self.get_object(request, unquote(object_id), to_field)
        if obj is None:
            return None, None  # Django's own answer: the record does not exist
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        label = self.model._meta.label_lower
        grant = grant_for(request, label, str(obj.pk), view)
        if grant is not None:
            return None, grant
        asked = request.method == "POST" and "_access_reason" in request.POST
        if request.method == "POST" and not asked and not self.has_change_permission(request, obj):
            raise PermissionDenied  # as Django refuses a change its staff may not make
        form = AccessReasonForm(request.POST if asked else None)
        if form.is_valid():
            grant_give(
                request,
                label,
                str(obj.pk),
                view,
                reason=form.cleaned_data["_access_reason"],
                reference=form.cleaned_data["_access_reference"],
            )
            return HttpResponseRedirect(request.get_full_path()), None
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _("Why are you opening this record?"),
            "subtitle": None,
            "opts": opts,
            "app_label": opts.app_label,
            "form": form,
            "view": view,
        }
        request.current_app = self.admin_site.name
        # The page is the form's: nothing of the record (not even its name) is in it.
        return TemplateResponse(request, "admin/access_reason.html", context), None

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, object] | None = None,
    ) -> HttpResponse:
        asked, grant = self.reason_first(request, object_id, StaffAccess.View.CHANGE)
        if asked is not None:
            return asked
        response = super().change_view(request, object_id, form_url, extra_context)
        self._opened(request, response, StaffAccess.View.CHANGE, grant)
        return response

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        """Django's history page, listing the accountable copies of the log (``AdminAction``)."""
        asked, grant = self.reason_first(request, object_id, StaffAccess.View.HISTORY)
        if asked is not None:
            return asked
        response = super().history_view(request, object_id, extra_context)
        if isinstance(response, TemplateResponse) and response.context_data is not None:
            obj = response.context_data["object"]
            actions = AdminAction.objects.about(obj).select_related("staff")
            paginator = self.get_paginator(request, actions, 100)
            page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
            response.context_data.update(
                action_list=page,
                page_range=paginator.get_elided_page_range(page.number),
                pagination_required=paginator.count > 100,
            )
        self._opened(request, response, StaffAccess.View.HISTORY, grant)
        return response

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        """A list shows the people on its page (a search by email, say, shows whose
        records match): each is an opening."""
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        changelist = context.get("cl")
        if changelist is None or request.method != "GET" or response.status_code != 200:
            return response
        if self.shows_personal_data():
            searched = request.GET.get(SEARCH_VAR, "").strip()
            view = StaffAccess.View.SEARCH if searched else StaffAccess.View.LIST
            # The list shows each row, not its inlines: the people the rows are about.
            people = list({p.pk: p for p in people_in(changelist.result_list)}.values())
            self.record_opening(request, view, people)
        return response

    # --- Changes ---------------------------------------------------------------------------

    def _keep_accountable(
        self, request: HttpRequest, logged: Iterable[tuple[LogEntry, models.Model]]
    ) -> None:
        staff = request.user
        assert isinstance(staff, User)
        acted_by = AdminAction.by(staff)
        actions = []
        for entry, obj in logged:
            if entry.content_type_id is None:
                continue
            people = self.people_shown(obj)
            # A record about several people (a disclosure) names them elsewhere.
            person = people[0] if len(people) == 1 else None
            actions.append(
                AdminAction(
                    **acted_by,
                    person=person,
                    subject=subject_hash(person.pk) if person else "",
                    content_type_id=entry.content_type_id,
                    object_id=entry.object_id or "",
                    action_flag=entry.action_flag,
                    change_message=without_names(entry.change_message),
                    action_time=entry.action_time,
                )
            )
        AdminAction.objects.bulk_create(actions)

    def log_addition(self, request: HttpRequest, obj: M, message: object) -> LogEntry:
        entry = super().log_addition(request, obj, message)
        self._keep_accountable(request, [(entry, obj)])
        return entry

    def log_change(self, request: HttpRequest, obj: M, message: object) -> LogEntry:
        entry = super().log_change(request, obj, message)
        self._keep_accountable(request, [(entry, obj)])
        return entry

    def log_deletions(self, request: HttpRequest, queryset: QuerySet[M]) -> list[LogEntry]:
        """Called before the deletion: the objects are still there to say whom they were about."""
        entries = super().log_deletions(request, queryset)
        self._keep_accountable(request, zip(entries, queryset, strict=True))
        return entries
