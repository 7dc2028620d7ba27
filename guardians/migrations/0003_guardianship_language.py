from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("guardians", "0002_indexes_for_schedule_and_admin")]

    operations = [
        migrations.AddField(
            model_name="guardianship",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("zh-hans", "Simplified Chinese")],
                default="en",
                help_text=(
                    "The language the teen signed up in, until the guardian chooses one on "
                    "their account."
                ),
                max_length=10,
                verbose_name="language of the guardian's emails",
            ),
        ),
    ]
