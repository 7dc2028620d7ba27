"""Staff accesses and erasure receipts become tamper-evident ledgers (``consent.ledger``):
the hash columns, and the rows already there chained in id order by consent's migration
``0013_ledgers`` (its frozen copy of the encoding), with the chained fields as they were
when this was written."""

from importlib import import_module

from django.db import migrations, models

LEDGERS = {
    "accounts.staffaccess": (
        ("staff_subject", "staff_role", "subject", "accessed_at", "what", "view"),
        "",
    ),
    "accounts.erasurereceipt": (
        (
            "reference",
            "subject",
            "reason",
            "erased_at",
            "summary",
            "actor_subject",
            "actor_role",
        ),
        "",
    ),
}


def chain_accounts_ledgers(apps, schema_editor):
    import_module("consent.migrations.0013_ledgers").chain_existing(apps, LEDGERS)


def forget_heads(apps, schema_editor):
    apps.get_model("consent", "LedgerHead").objects.filter(name__in=list(LEDGERS)).delete()


# The same two fields as the consent ledgers'.
hash_fields = import_module("consent.migrations.0013_ledgers").hash_fields


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_user_language"),
        ("consent", "0013_ledgers"),
    ]

    operations = [
        *hash_fields("erasurereceipt"),
        *hash_fields("staffaccess"),
        migrations.RunPython(chain_accounts_ledgers, forget_heads),
    ]
