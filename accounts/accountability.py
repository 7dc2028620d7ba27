"""Staff are accountable in the admin: every opening of personal data, every change.

``StaffAccountability`` is mixed into every ModelAdmin the admin site registers, ours
and the libraries' alike (``accounts.admin_site.AdminSite.register``), so no admin can
be added without it. For every model whose admin shows personal data (the model's
declaration, or an inline's) it writes a ``StaffAccess`` row when a staff member opens a
record's change page or its history, or a list of records (a search among them); and
for every admin it keeps an ``AdminAction`` beside Django's ``LogEntry`` for each
addition, change and deletion, which the history page shows.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.views.main import PAGE_VAR, SEARCH_VAR
from django.db import models
from django.db.models import QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts.models import AdminAction, StaffAccess, User, without_names
from accounts.personal_data import declaration_for
from consent.privacy import subject_hash


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

    def record_opening(self, request: HttpRequest, view: str, people: list[User]) -> None:
        """One row per person whose data was shown; one without a person if none is named."""
        staff = request.user
        assert isinstance(staff, User)
        common = {**StaffAccess.by(staff), "what": self.model._meta.label_lower, "view": view}
        rows = [StaffAccess(user=p, subject=subject_hash(p.pk), **common) for p in people]
        if not rows:
            rows = [StaffAccess(**common)]
        StaffAccess.objects.bulk_create(rows)

    def _opened(self, request: HttpRequest, response: HttpResponse, view: str) -> None:
        if request.method != "GET" or response.status_code != 200:
            return
        if not self.shows_personal_data():
            return
        context = getattr(response, "context_data", None) or {}
        obj = context.get("original") or context.get("object")
        if isinstance(obj, models.Model):
            self.record_opening(request, view, self.people_shown(obj))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, object] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        self._opened(request, response, StaffAccess.View.CHANGE)
        return response

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        """Django's history page, listing the accountable copies of the log (``AdminAction``)."""
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
        self._opened(request, response, StaffAccess.View.HISTORY)
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
