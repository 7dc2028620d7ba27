"""A sharing permission keeps the recipient's terms that the person was shown.

Existing permissions take their recipient's terms as they are now (the only terms
that could have been shown: recipients were not changed since).
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_terms(apps, schema_editor):
    Recipient = apps.get_model("consent", "Recipient")
    SharingPermission = apps.get_model("consent", "SharingPermission")
    recipient = Recipient.objects.filter(pk=OuterRef("recipient_id"))
    SharingPermission.objects.update(
        recipient_name=Subquery(recipient.values("name")[:1]),
        purpose=Subquery(recipient.values("purpose")[:1]),
        basis=Subquery(recipient.values("basis")[:1]),
        data_categories=Subquery(recipient.values("data_categories")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [("consent", "0009_page_view_route")]

    operations = [
        migrations.AddField(
            model_name="sharingpermission",
            name="recipient_name",
            field=models.CharField(
                default="", max_length=120, verbose_name="recipient's name, as shown"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="sharingpermission",
            name="purpose",
            field=models.TextField(default="", verbose_name="purpose, as shown"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="sharingpermission",
            name="basis",
            field=models.CharField(
                choices=[
                    ("agreement", "(a) Permission under the agreement"),
                    ("interaction", "(b) Permission in the product"),
                ],
                default="",
                max_length=12,
                verbose_name="permission given",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="sharingpermission",
            name="data_categories",
            field=models.CharField(
                default="", max_length=300, verbose_name="data categories, as shown"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(copy_terms, migrations.RunPython.noop),
    ]
