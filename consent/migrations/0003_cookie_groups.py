"""Create the three cookie groups of the specification and their cookies."""

from django.conf import settings
from django.db import migrations
from django.utils.translation import gettext_noop

# The names and descriptions are stored in English and translated where they are shown
# (``{% translate group.name %}``); gettext_noop puts them in the catalogue.

GROUPS = [
    {
        "varname": "necessary",
        "name": gettext_noop("Strictly necessary"),
        "description": gettext_noop(
            "Keep you logged in, protect forms against forgery and remember your cookie "
            "choices. The site cannot work without them, so they cannot be declined."
        ),
        "is_required": True,
        "is_deletable": False,
        "ordering": 1,
        "cookies": [
            (settings.SESSION_COOKIE_NAME, gettext_noop("Your session: keeps you logged in.")),
            (settings.CSRF_COOKIE_NAME, gettext_noop("Protects forms against cross-site request forgery.")),
            (settings.COOKIE_CONSENT_NAME, gettext_noop("Remembers which cookie groups you accepted or declined.")),
        ],
    },
    {
        "varname": "preferences",
        "name": gettext_noop("Personalisation"),
        "description": gettext_noop(
            "Remember your light or dark theme and, if you ask, the email address you log in "
            "with on this device. Without them these choices are not kept."
        ),
        "is_required": False,
        "is_deletable": True,
        "ordering": 2,
        "cookies": [("tomato_prefs", gettext_noop("Your theme and remembered login email."))],
    },
    {
        "varname": "analytics",
        "name": gettext_noop("Analytics and web beacons"),
        "description": gettext_noop(
            "Count page views with a random visitor id and a first-party web beacon, so that we "
            "can see which pages are used. Nothing is recorded without your consent."
        ),
        "is_required": False,
        "is_deletable": True,
        "ordering": 3,
        "cookies": [("tomato_vid", gettext_noop("A random visitor id for counting page views."))],
    },
]


def create_groups(apps, schema_editor):
    CookieGroup = apps.get_model("cookie_consent", "CookieGroup")
    Cookie = apps.get_model("cookie_consent", "Cookie")
    for spec in GROUPS:
        fields = {key: value for key, value in spec.items() if key != "cookies"}
        group, _ = CookieGroup.objects.update_or_create(varname=fields.pop("varname"), defaults=fields)
        for name, description in spec["cookies"]:
            Cookie.objects.get_or_create(
                cookiegroup=group, name=name, domain="", defaults={"description": description}
            )


def remove_groups(apps, schema_editor):
    apps.get_model("cookie_consent", "CookieGroup").objects.filter(
        varname__in=[spec["varname"] for spec in GROUPS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0002_policy_version_1_0"),
        ("cookie_consent", "0004_cookie_natural_key"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
