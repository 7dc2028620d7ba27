"""Load version 1.0 of the privacy policy, the platform's own text."""

import datetime
from pathlib import Path

from django.db import migrations

POLICY_FILE = Path(__file__).resolve().parent.parent / "policy" / "privacy-policy-v1.md"
EFFECTIVE = datetime.date(2026, 11, 25)
PUBLISHED = datetime.datetime(2026, 11, 25, tzinfo=datetime.UTC)


def load_policy(apps, schema_editor):
    PolicyVersion = apps.get_model("consent", "PolicyVersion")
    PolicyVersion.objects.update_or_create(
        version="1.0",
        defaults={
            "effective_date": EFFECTIVE,
            "body": POLICY_FILE.read_text(encoding="utf-8"),
            "change_summary": "The first version of the Tomato privacy policy.",
            "is_material": True,
            "published_at": PUBLISHED,
        },
    )


def unload_policy(apps, schema_editor):
    apps.get_model("consent", "PolicyVersion").objects.filter(version="1.0").delete()


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [migrations.RunPython(load_policy, unload_policy)]
