from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_indexes_for_username_search")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(
                blank=True,
                choices=[("en", "English"), ("zh-hans", "Simplified Chinese")],
                help_text="The language of the site and of the emails we send you.",
                max_length=10,
                verbose_name="language",
            ),
        ),
    ]
