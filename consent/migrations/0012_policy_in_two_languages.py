"""The policy in each of the site's languages, the language an acceptance was shown in,
version 1.0's Simplified Chinese text, and the language cookie among the strictly
necessary ones."""

from pathlib import Path

from django.conf import settings
from django.db import migrations, models
from django.utils.translation import gettext_noop

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
BODY_ZH_HANS = POLICY_DIR / "privacy-policy-v1.zh-hans.md"
SUMMARY_ZH_HANS = POLICY_DIR / "privacy-policy-v1.zh-hans.summary.txt"

# Translated where the cookies are shown (gettext_noop marks it for the catalogue).
LANGUAGE_COOKIE = gettext_noop("Remembers the language you chose for this site.")


def version_1_0_in_chinese(apps, schema_editor):
    apps.get_model("consent", "PolicyVersion").objects.filter(version="1.0").update(
        body_zh_hans=BODY_ZH_HANS.read_text(encoding="utf-8"),
        change_summary_zh_hans=SUMMARY_ZH_HANS.read_text(encoding="utf-8").strip(),
    )


def add_language_cookie(apps, schema_editor):
    CookieGroup = apps.get_model("cookie_consent", "CookieGroup")
    Cookie = apps.get_model("cookie_consent", "Cookie")
    group = CookieGroup.objects.filter(varname="necessary").first()
    if group is not None:
        Cookie.objects.get_or_create(
            cookiegroup=group,
            name=settings.LANGUAGE_COOKIE_NAME,
            domain="",
            defaults={"description": LANGUAGE_COOKIE},
        )


def remove_language_cookie(apps, schema_editor):
    apps.get_model("cookie_consent", "Cookie").objects.filter(
        name=settings.LANGUAGE_COOKIE_NAME, cookiegroup__varname="necessary"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0011_indexes_for_history_admin_and_prune"),
        ("cookie_consent", "0004_cookie_natural_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="policyversion",
            name="body",
            field=models.TextField(verbose_name="English text (Markdown)"),
        ),
        migrations.AlterField(
            model_name="policyversion",
            name="change_summary",
            field=models.TextField(
                blank=True,
                help_text="What changed since the previous version, in plain words.",
                verbose_name="change summary in English",
            ),
        ),
        migrations.AddField(
            model_name="policyversion",
            name="body_zh_hans",
            field=models.TextField(
                default="",
                help_text=(
                    "The same version in Simplified Chinese: both texts are what people "
                    "agree to."
                ),
                verbose_name="Simplified Chinese text (Markdown)",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="policyversion",
            name="change_summary_zh_hans",
            field=models.TextField(
                blank=True,
                help_text="What changed since the previous version, in plain words.",
                verbose_name="change summary in Simplified Chinese",
            ),
        ),
        # Every acceptance recorded so far was of the English text, the only one there was.
        migrations.AddField(
            model_name="policyacceptance",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("zh-hans", "Simplified Chinese")],
                default="en",
                help_text="The language of the text the person was shown when they agreed.",
                max_length=10,
                verbose_name="language shown",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(version_1_0_in_chinese, migrations.RunPython.noop),
        migrations.RunPython(add_language_cookie, remove_language_cookie),
    ]
