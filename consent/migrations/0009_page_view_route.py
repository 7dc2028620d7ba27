"""Page views name the page they counted, never its path (paths can carry secrets).

Existing rows get the name of the page their path resolves to; a path that resolves
to nothing, or to a page whose URL carries a secret, is deleted with its row.
"""

from django.db import migrations, models
from django.urls import Resolver404, resolve


def paths_to_routes(apps, schema_editor):
    from consent.markers import carries_secret

    PageView = apps.get_model("consent", "PageView")
    for view in PageView.objects.only("pk", "path").iterator():
        try:
            match = resolve(view.path)
        except Resolver404:
            match = None
        if match is None or carries_secret(match):
            PageView.objects.filter(pk=view.pk).delete()
        else:
            PageView.objects.filter(pk=view.pk).update(route=match.view_name[:100])


class Migration(migrations.Migration):
    dependencies = [("consent", "0008_disclosure_recipient_optional")]

    operations = [
        migrations.AddField(
            model_name="pageview",
            name="route",
            field=models.CharField(default="", max_length=100, verbose_name="page"),
            preserve_default=False,
        ),
        migrations.RunPython(paths_to_routes, migrations.RunPython.noop),
        # A default first, so that going back can add the column to existing rows again.
        migrations.AlterField(
            model_name="pageview",
            name="path",
            field=models.CharField(default="", max_length=200, verbose_name="path"),
        ),
        migrations.RemoveField(model_name="pageview", name="path"),
    ]
