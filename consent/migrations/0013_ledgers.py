"""Tamper-evident ledgers (``consent.ledger``): the hash columns, the chains' heads, and the
rows already there chained in id order.

What this migration needs to chain them is copied here and frozen: the canonical encoding
(the same as ``consent.ledger``'s, which a test holds them to) and each ledger's chained
fields as they were when it was written. ``accounts``' migration chains its ledgers with
``chain_existing`` from here.
"""

import datetime
import decimal
import hashlib
import json
import uuid

from django.db import migrations, models
from django.utils import timezone

#: Rows hashed and written back at a time.
BATCH = 1_000

#: label → (chained fields, the field that splits it into chains or "")
LEDGERS = {
    "consent.consentrecord": (
        (
            "subject_type",
            "subject",
            "group",
            "action",
            "group_version",
            "policy_version",
            "source",
            "created_at",
        ),
        "subject_type",
    ),
    "consent.policyacceptance": (
        ("subject", "policy_version", "source", "language", "accepted_at"),
        "",
    ),
    "consent.disclosure": (
        (
            "recipient",
            "listed_recipient",
            "purpose",
            "legal_basis",
            "reference",
            "data_categories",
            "disclosed_at",
            "recorded_at",
            "corrects",
        ),
        "",
    ),
    "consent.disclosuresubject": (("disclosure", "subject"), ""),
}


def canonical(value):
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(key): canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    if isinstance(value, float):
        return value
    raise TypeError(f"No canonical form for {type(value).__name__}")


def row_hash(chain, prev_hash, row):
    encoded = json.dumps(
        {"chain": chain, "prev": prev_hash, "row": {k: canonical(v) for k, v in row.items()}},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(encoded.encode()).hexdigest()


def chain_existing(apps, ledgers):
    """Chain the rows of each ledger in id order, and write each chain's head."""
    LedgerHead = apps.get_model("consent", "LedgerHead")
    for label, (names, split_by) in ledgers.items():
        model = apps.get_model(label)
        fields = [model._meta.get_field(name) for name in names]
        if split_by:
            values = [value for value, _label in model._meta.get_field(split_by).choices]
            chains = {f"{label}:{value}": {split_by: value} for value in values}
        else:
            chains = {label: {}}
        for chain, lookup in chains.items():
            rows = model._default_manager.filter(**lookup).order_by("pk")
            last_id, last_hash = None, ""
            while True:
                batch = list(rows.filter(pk__gt=last_id or 0)[:BATCH])
                if not batch:
                    break
                for row in batch:
                    content = {
                        name: field.to_python(getattr(row, field.attname))
                        for name, field in zip(names, fields, strict=True)
                    }
                    row.prev_hash = last_hash
                    row.row_hash = last_hash = row_hash(chain, last_hash, content)
                    last_id = row.pk
                model._default_manager.bulk_update(batch, ["prev_hash", "row_hash"])
            LedgerHead.objects.update_or_create(
                name=chain, defaults={"last_id": last_id, "last_hash": last_hash}
            )


def chain_consent_ledgers(apps, schema_editor):
    chain_existing(apps, LEDGERS)


def forget_heads(apps, schema_editor):
    apps.get_model("consent", "LedgerHead").objects.filter(
        name__regex=r"^consent\."
    ).delete()


def hash_fields(model_name):
    return [
        migrations.AddField(
            model_name=model_name,
            name="prev_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="previous row's hash"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name=model_name,
            name="row_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="row hash"
            ),
            preserve_default=False,
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [("consent", "0012_policy_in_two_languages")]

    operations = [
        migrations.CreateModel(
            name="LedgerHead",
            fields=[
                (
                    "name",
                    models.CharField(
                        max_length=100, primary_key=True, serialize=False, verbose_name="chain"
                    ),
                ),
                (
                    "last_id",
                    models.BigIntegerField(blank=True, null=True, verbose_name="last row"),
                ),
                (
                    "last_hash",
                    models.CharField(
                        blank=True, default="", max_length=64, verbose_name="last row's hash"
                    ),
                ),
                (
                    "anchor_id",
                    models.BigIntegerField(
                        default=0,
                        help_text="Rows up to this id were deleted when their retention ended.",
                        verbose_name="last pruned row",
                    ),
                ),
                (
                    "anchor_hash",
                    models.CharField(
                        blank=True,
                        default="",
                        help_text="The previous hash that the chain's first row names.",
                        max_length=64,
                        verbose_name="anchor hash",
                    ),
                ),
            ],
            options={"verbose_name": "ledger head", "verbose_name_plural": "ledger heads"},
        ),
        *hash_fields("consentrecord"),
        *hash_fields("policyacceptance"),
        *hash_fields("disclosure"),
        *hash_fields("disclosuresubject"),
        migrations.AlterField(
            model_name="disclosure",
            name="recorded_at",
            field=models.DateTimeField(
                default=timezone.now, editable=False, verbose_name="recorded at"
            ),
        ),
        migrations.RunPython(chain_consent_ledgers, forget_heads),
    ]
