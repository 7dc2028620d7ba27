"""Staff give a reason before a person's record opens in the admin, kept with the
staff-access row and chained with it. Nothing is re-chained: the ledger encodes its
``added`` fields only when they hold a value, so the rows already there (which hold
none) keep their hashes, and ``verify_ledger`` still passes.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0011_ledgers'),
    ]

    operations = [
        migrations.AddField(
            model_name='staffaccess',
            name='reason',
            field=models.CharField(blank=True, choices=[('support', 'Support request from the person'), ('guardian', "Request from the person's guardian"), ('legal', 'Legal request'), ('security', 'Security investigation'), ('correction', 'Data correction')], help_text='Asked before a record shows; none for lists and searches.', max_length=12, verbose_name='reason'),
        ),
        migrations.AddField(
            model_name='staffaccess',
            name='reason_reference',
            field=models.CharField(blank=True, help_text="A legal request's reference (a case or order number), never a name.", max_length=100, verbose_name='reference'),
        ),
        migrations.AddConstraint(
            model_name='staffaccess',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('reason', 'legal'), _negated=True), models.Q(('reason_reference', ''), _negated=True), _connector='OR'), name='staff_access_legal_request_has_reference', violation_error_message='A legal request needs its reference.'),
        ),
    ]
