"""Declare the age screen's cookie among the strictly necessary ones."""

from django.db import migrations
from django.utils.translation import gettext_noop

# Translated where the cookies are shown (gettext_noop marks it for the catalogue).
DESCRIPTION = gettext_noop(
    "Remembers which age group this browser gave at sign-up (no date, nothing that "
    "identifies you), so that the sign-up age question cannot quietly be answered twice."
)


def add_cookie(apps, schema_editor):
    CookieGroup = apps.get_model("cookie_consent", "CookieGroup")
    Cookie = apps.get_model("cookie_consent", "Cookie")
    group = CookieGroup.objects.get(varname="necessary")
    Cookie.objects.get_or_create(
        cookiegroup=group, name="tomato_agegate", domain="", defaults={"description": DESCRIPTION}
    )


def remove_cookie(apps, schema_editor):
    apps.get_model("cookie_consent", "Cookie").objects.filter(name="tomato_agegate").delete()


class Migration(migrations.Migration):
    dependencies = [("consent", "0004_policy_acceptance")]

    operations = [migrations.RunPython(add_cookie, remove_cookie)]
