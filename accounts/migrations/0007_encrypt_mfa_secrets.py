"""Encrypt the two-factor secrets that allauth stored in clear before ``accounts.mfa.MFAAdapter``.

TOTP secrets and recovery-code seeds (and codes migrated from elsewhere) are sealed
with the configured ``MFA_ENCRYPTION_KEY``. Safe to run twice: values that already
decrypt are left alone. Reversing writes them back in clear, as allauth's default
adapter expects.
"""

from django.db import migrations


def _rewrite(apps, change):
    Authenticator = apps.get_model("mfa", "Authenticator")
    rows = Authenticator.objects.filter(type__in=["totp", "recovery_codes"]).order_by("pk")
    for authenticator in rows.iterator():
        data = change(authenticator.data)
        if data is not None:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


def encrypt_secrets(apps, schema_editor):
    from accounts.mfa import encrypt_authenticator_data

    _rewrite(apps, encrypt_authenticator_data)


def decrypt_secrets(apps, schema_editor):
    from accounts.mfa import decrypt_authenticator_data

    _rewrite(apps, decrypt_authenticator_data)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_staff_erasure_reason"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets)]
