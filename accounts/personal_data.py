"""Every model's personal data, read from one place: the export and the erasure.

The project's own models declare themselves (``personal_data`` beside each
model); the models of Django and of the libraries we use are declared here.
``declarations()`` refuses to run while any installed model is undeclared,
and a system check (``accounts.E001``) reports such a model at start-up.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core import checks
from django.core.cache import caches
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.json import KT
from django.db.models.lookups import Exact, In
from django.http import HttpResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from accounts.signals import data_exported
from accounts.tasks import email_deliver
from consent.privacy import NO_PERSONAL_DATA, Erasure, ExportedField, PersonalData, subject_hash
from consent.types import JSON

if TYPE_CHECKING:
    # allauth's models, untyped (allauth ships no type information): the rows of the
    # declarations below.
    from allauth.account.models import EmailConfirmation
    from allauth.mfa.models import Authenticator


def _erase_sessions(user: User) -> int:
    """End every session of the user (the rows, and their cached copies), all at once
    whatever their number: one delete of the rows, one of the cached copies."""
    store: type[SessionBase] = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    keys = list(
        apps.get_model("usersessions", "UserSession")
        .objects.filter(user=user)
        .values_list("session_key", flat=True)
    )
    if not keys:
        return 0
    # The cache and cached_db engines keep a copy under their prefix and the key.
    cache_prefix = getattr(store, "cache_key_prefix", "")
    if cache_prefix:
        caches[settings.SESSION_CACHE_ALIAS].delete_many([cache_prefix + key for key in keys])
    if issubclass(store, DatabaseSessionStore):  # db and cached_db
        store.get_model_class()._default_manager.filter(session_key__in=keys).delete()
    elif not cache_prefix:  # another engine: its own delete, session by session
        for key in keys:
            store(session_key=key).delete()
    return len(keys)


def _erase_admin_log(user: User) -> int:
    """Admin log entries by the user, and about any row held about them.

    Their ``object_repr`` names the person (a username, an email address), so an entry
    about the user, their email addresses, their guardianship and so on goes too.
    """
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    about = models.Q(user=user)
    for model, declaration in declarations():
        if model is LogEntry or not declaration.holds_personal_data:
            continue
        if declaration.lookup is not None:
            rows = model._default_manager.filter(declaration.lookup(user))
        elif declaration.owner:
            rows = model._default_manager.filter(**{declaration.owner: user})
        elif isinstance(user, model):
            rows = model._default_manager.filter(pk=user.pk)
        else:
            continue
        ids = [str(pk) for pk in rows.values_list("pk", flat=True)]
        if ids:
            content_type = ContentType.objects.get_for_model(model)
            about |= models.Q(content_type=content_type, object_id__in=ids)
    deleted, _by_model = LogEntry.objects.filter(about).delete()
    return deleted


def _queued_emails(user: User) -> models.Q:
    """Delivery tasks holding an email to one of the user's addresses, or about them."""
    to = KT("args_kwargs__kwargs__to")
    return models.Q(task_path=email_deliver.module_path) & (
        models.Q(Exact(to, user.email))
        | models.Q(In(to, EmailAddress.objects.filter(user=user).values("email")))
        | models.Q(args_kwargs__kwargs__about=subject_hash(user.pk))
    )


def _erase_queued_emails(user: User) -> int:
    deleted, _by_model = DBTaskResult.objects.filter(_queued_emails(user)).delete()
    return deleted


def _email_subject(row: models.Model) -> object:
    assert isinstance(row, DBTaskResult)
    return row.args_kwargs["kwargs"]["message"]["subject"]


def _email_to(row: models.Model) -> object:
    assert isinstance(row, DBTaskResult)
    return row.args_kwargs["kwargs"]["to"]


def _confirmation_email(row: EmailConfirmation) -> object:
    return row.email_address.email


def _authenticator_type(row: Authenticator) -> object:
    return row.get_type_display()


OTHER_PACKAGES: dict[str, PersonalData[models.Model]] = {
    "account.emailaddress": PersonalData(
        title=_("Email addresses"),
        owner="user",
        erasure=Erasure.DELETE,
        fields=("email", "verified", "primary"),
        ordering=("-primary", "email"),
    ),
    "account.emailconfirmation": PersonalData(
        title=_("Email confirmations sent"),
        owner="email_address__user",
        erasure=Erasure.DELETE,
        fields=((_("Email"), _confirmation_email), "created", "sent"),
        ordering=("-created",),
        select_related=("email_address",),
    ),
    "mfa.authenticator": PersonalData(
        title=_("Two-factor methods"),
        owner="user",
        erasure=Erasure.DELETE,
        fields=(
            (_("Type"), _authenticator_type),
            (_("Added"), attrgetter("created_at")),
            (_("Last used"), attrgetter("last_used_at")),
        ),
        ordering=("created_at",),
    ),
    "usersessions.usersession": PersonalData(
        title=_("Sessions"),
        owner="user",
        erasure=Erasure.DELETE,
        # allauth's fields carry no label to translate: ours.
        fields=(
            (_("IP address"), attrgetter("ip")),
            (_("Browser"), attrgetter("user_agent")),
            (_("Started"), attrgetter("created_at")),
            (_("Last seen"), attrgetter("last_seen_at")),
        ),
        ordering=("-last_seen_at",),
    ),
    "sessions.session": PersonalData(
        title=_("Session data"),
        owner="",
        erasure=Erasure.CUSTOM,
        eraser=_erase_sessions,
        exported=False,
        note=_("The data that keeps each of your sessions logged in; listed under Sessions."),
    ),
    "admin.logentry": PersonalData(
        title=_("Staff actions in the admin"),
        owner="user",
        erasure=Erasure.CUSTOM,
        eraser=_erase_admin_log,
        erase_first=True,
        fields=("action_time", "object_repr", "change_message"),
        ordering=("-action_time",),
    ),
    # Emails waiting to be sent, sent, or failed: each holds the finished message.
    "django_tasks_database.dbtaskresult": PersonalData(
        title=_("Emails to you"),
        owner="",
        erasure=Erasure.CUSTOM,
        eraser=_erase_queued_emails,
        lookup=_queued_emails,
        fields=(
            (_("Queued"), attrgetter("enqueued_at")),
            (_("To"), _email_to),
            (_("Subject"), _email_subject),
            "status",
        ),  # fmt: skip
        ordering=("-enqueued_at",),
    ),
    "auth.permission": NO_PERSONAL_DATA,
    "auth.group": NO_PERSONAL_DATA,
    "contenttypes.contenttype": NO_PERSONAL_DATA,
    "sites.site": NO_PERSONAL_DATA,
    "cookie_consent.cookiegroup": NO_PERSONAL_DATA,
    "cookie_consent.cookie": NO_PERSONAL_DATA,
    # django-cookie-consent's own log has no subject; our consent records replace it.
    "cookie_consent.logitem": NO_PERSONAL_DATA,
}


class UndeclaredModelError(LookupError):
    pass


def declaration_for[M: models.Model](model: type[M]) -> PersonalData[M] | None:
    own = model.__dict__.get("personal_data")
    if isinstance(own, PersonalData):
        return own
    return OTHER_PACKAGES.get(model._meta.label_lower)


def undeclared_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if declaration_for(model) is None]


def declarations() -> list[tuple[type[models.Model], PersonalData[models.Model]]]:
    """Every installed model with its declaration; refuses if any model has none."""
    declared = []
    missing = []
    for model in apps.get_models():
        declaration = declaration_for(model)
        if declaration is None:
            missing.append(model)
        else:
            declared.append((model, declaration))
    if missing:
        names = ", ".join(model._meta.label for model in missing)
        raise UndeclaredModelError(f"No personal-data declaration for: {names}")
    return declared


def check_every_model_is_declared(**kwargs: object) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"{model._meta.label} does not declare the personal data it holds.",
            hint="Set personal_data on the model, or add it to "
            "accounts.personal_data.OTHER_PACKAGES.",
            obj=model,
            id="accounts.E001",
        )
        for model in undeclared_models()
    ]


# --- Export -----------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    columns: list[str]
    rows: list[list[object]]
    note: str = ""


def _column[M: models.Model](
    model: type[M], spec: ExportedField[M]
) -> tuple[str, Callable[[M], object]]:
    if isinstance(spec, tuple):
        label, getter = spec
        return str(label), getter
    field = model._meta.get_field(spec)
    label = str(capfirst(getattr(field, "verbose_name", spec)))
    if getattr(field, "choices", None):
        return label, lambda row: getattr(row, f"get_{spec}_display")()
    return label, lambda row: getattr(row, spec)


def _rows_for[M: models.Model](model: type[M], declaration: PersonalData[M], user: User) -> list[M]:
    if declaration.lookup is not None:
        queryset = model._default_manager.filter(declaration.lookup(user))
    elif not declaration.owner:
        return [user] if isinstance(user, model) else []
    else:
        queryset = model._default_manager.filter(**{declaration.owner: user})
    if declaration.select_related:
        queryset = queryset.select_related(*declaration.select_related)
    if declaration.ordering:
        queryset = queryset.order_by(*declaration.ordering)
    return list(queryset)


def export_user_data(user: User) -> list[Section]:
    """Everything held about the user, one section per model that holds personal data.

    One query per model, whatever the number of rows.
    """
    sections = []
    for model, declaration in declarations():
        if not declaration.holds_personal_data:
            continue
        key = model._meta.label_lower
        if not declaration.exported:
            sections.append(
                Section(key, str(declaration.title), [], [], note=str(declaration.note))
            )
            continue
        columns = [_column(model, spec) for spec in declaration.fields]
        rows = [
            [getter(row) for _label, getter in columns]
            for row in _rows_for(model, declaration, user)
        ]
        sections.append(
            Section(key, str(declaration.title), [label for label, _g in columns], rows)
        )
    # The account itself first; sections described elsewhere last.
    user_key = user._meta.label_lower
    return sorted(sections, key=lambda section: (section.key != user_key, bool(section.note)))


def _json_value(value: object) -> str | int | float | bool | None:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def export_as_json(sections: list[Section]) -> dict[str, JSON]:
    return {
        section.key: {
            "title": section.title,
            **({"note": section.note} if section.note else {}),
            "items": [
                {
                    column: _json_value(value)
                    for column, value in zip(section.columns, row, strict=True)
                }
                for row in section.rows
            ],
        }
        for section in sections
    }


def export_download(person: User, *, filename: str) -> HttpResponse:
    """Everything held about a person, as a JSON attachment (their own, or a ward's)."""
    payload = {
        "generated_at": timezone.now(),
        "site": settings.SITE_URL,
        "data": export_as_json(export_user_data(person)),
    }
    response = HttpResponse(
        json.dumps(payload, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    data_exported.send(sender=User)
    return response


# --- Erasure ------------------------------------------------------------------------

# Custom erasers first (sessions are found through rows deleted later), then the
# records that outlive the person, then the rest, and the user row last. Rows kept for
# their retention (never linked to an account) are not in the plan.
_ORDER = {Erasure.CUSTOM: 0, Erasure.PSEUDONYMISE: 1, Erasure.DELETE: 2}


def erasure_plan() -> Iterator[tuple[type[models.Model], PersonalData[models.Model]]]:
    planned = [(m, d) for m, d in declarations() if d.erasure in _ORDER]
    planned.sort(
        key=lambda item: (not item[1].erase_first, _ORDER[item[1].erasure], not item[1].owner)
    )
    return iter(planned)


def erase_rows(
    model: type[models.Model], declaration: PersonalData[models.Model], user: User
) -> int:
    """Erase one model's rows about the user; returns how many rows were affected."""
    if declaration.erasure is Erasure.CUSTOM:
        assert declaration.eraser is not None, model
        return declaration.eraser(user)
    lookup = {declaration.owner: user} if declaration.owner else {"pk": user.pk}
    queryset = model._default_manager.filter(**lookup)
    if declaration.erasure is Erasure.PSEUDONYMISE:
        affected = queryset.update(
            **{declaration.owner: None}, **dict.fromkeys(declaration.scrub, "")
        )
        for link in declaration.also_cut:
            affected += model._default_manager.filter(**{link: user}).update(**{link: None})
        return affected
    deleted, _by_model = queryset.delete()
    return deleted
