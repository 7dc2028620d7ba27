"""Staff accountability that survives erasure.

Staff-access rows keep the staff member's keyed hash and role and say what was opened;
erasure receipts say who caused them; ``AdminAction`` keeps the admin's change history
(Django's log entries go with a staff member's account). Existing rows are filled in:
accesses were all openings of a change page, and the log so far is copied (without the
person a change was about, which only the admin of each model knows).
"""

import json

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


OLD_WHAT = {
    "user record": "accounts.user",
    "guardianship": "guardians.guardianship",
    "guardian request": "guardians.guardianrequest",
}


def fill_in(apps, schema_editor):
    from django.contrib.auth.management import create_permissions
    from django.utils.crypto import salted_hmac

    def subject_hash(user_id):  # consent.privacy.subject_hash, as it is in this migration
        return salted_hmac("tomato.subject", str(user_id), algorithm="sha256").hexdigest()

    def without_names(message):  # accounts.models.without_names, as it is in this migration
        try:
            parsed = json.loads(message)
        except ValueError:
            return ""
        if not isinstance(parsed, list):
            return ""
        for part in parsed:
            for action in part.values() if isinstance(part, dict) else ():
                if isinstance(action, dict) and "object" in action:
                    action["object"] = "…"
        return json.dumps(parsed, ensure_ascii=False)

    def staff_role(user):  # accounts.models.staff_role, as it is in this migration
        if user.is_superuser:
            return "superuser"
        names = set(user.groups.values_list("name", flat=True))
        if "Privacy officer" in names:
            return "privacy_officer"
        return "support" if "Support" in names else "staff"

    StaffAccess = apps.get_model("accounts", "StaffAccess")
    AdminAction = apps.get_model("accounts", "AdminAction")
    LogEntry = apps.get_model("admin", "LogEntry")
    User = apps.get_model("accounts", "User")
    roles = {}

    def role_of(user_id):
        if user_id not in roles:
            user = User.objects.filter(pk=user_id).first()
            roles[user_id] = staff_role(user) if user is not None else "staff"
        return roles[user_id]

    for access in StaffAccess.objects.iterator():
        access.staff_subject = subject_hash(access.staff_id) if access.staff_id else ""
        access.staff_role = role_of(access.staff_id) if access.staff_id else "staff"
        access.what = OLD_WHAT.get(access.what, access.what)
        access.view = "change"
        access.save(update_fields=["staff_subject", "staff_role", "what", "view"])
    AdminAction.objects.bulk_create(
        AdminAction(
            staff_id=entry.user_id,
            staff_subject=subject_hash(entry.user_id),
            staff_role=role_of(entry.user_id),
            content_type_id=entry.content_type_id,
            object_id=entry.object_id or "",
            action_flag=entry.action_flag,
            change_message=without_names(entry.change_message),
            action_time=entry.action_time,
        )
        for entry in LogEntry.objects.exclude(content_type=None).iterator()
    )
    # Privacy officers read the change history.
    accounts = apps.get_app_config("accounts")
    accounts.models_module = True
    create_permissions(accounts, apps=apps, verbosity=0)
    accounts.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    officers = Group.objects.filter(name="Privacy officer").first()
    if officers is not None:
        officers.permissions.add(
            Permission.objects.get(content_type__app_label="accounts", codename="view_adminaction")
        )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_encrypt_mfa_secrets'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('admin', '0003_logentry_add_action_flag_choices'),
    ]

    operations = [
        migrations.AddField(
            model_name='erasurereceipt',
            name='actor',
            field=models.ForeignKey(blank=True, help_text='The guardian or staff member who caused the erasure.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='erased by'),
        ),
        migrations.AddField(
            model_name='erasurereceipt',
            name='actor_role',
            field=models.CharField(blank=True, choices=[('superuser', 'Superuser'), ('privacy_officer', 'Privacy officer'), ('support', 'Support'), ('staff', 'Staff')], max_length=20, verbose_name='role of the staff member'),
        ),
        migrations.AddField(
            model_name='erasurereceipt',
            name='actor_subject',
            field=models.CharField(blank=True, db_index=True, max_length=64, verbose_name='erased by (keyed hash)'),
        ),
        migrations.AddField(
            model_name='staffaccess',
            name='staff_role',
            field=models.CharField(choices=[('superuser', 'Superuser'), ('privacy_officer', 'Privacy officer'), ('support', 'Support'), ('staff', 'Staff')], default='', max_length=20, verbose_name='role'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='staffaccess',
            name='staff_subject',
            field=models.CharField(db_index=True, default='', max_length=64, verbose_name='staff member (keyed hash)'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='staffaccess',
            name='view',
            field=models.CharField(choices=[('change', 'the record'), ('history', 'its change history'), ('list', 'a list of records'), ('search', 'a search')], default='', max_length=10, verbose_name='what was opened'),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='staffaccess',
            name='subject',
            field=models.CharField(blank=True, db_index=True, max_length=64, verbose_name='person (keyed hash)'),
        ),
        migrations.AlterField(
            model_name='staffaccess',
            name='what',
            field=models.CharField(help_text='The model, like accounts.user.', max_length=100, verbose_name='kind of record'),
        ),
        migrations.CreateModel(
            name='AdminAction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('staff_subject', models.CharField(db_index=True, max_length=64, verbose_name='staff member (keyed hash)')),
                ('staff_role', models.CharField(choices=[('superuser', 'Superuser'), ('privacy_officer', 'Privacy officer'), ('support', 'Support'), ('staff', 'Staff')], max_length=20, verbose_name='role')),
                ('subject', models.CharField(blank=True, db_index=True, max_length=64, verbose_name='person (keyed hash)')),
                ('object_id', models.CharField(max_length=255, verbose_name='record id')),
                ('action_flag', models.PositiveSmallIntegerField(choices=[(1, 'Addition'), (2, 'Change'), (3, 'Deletion')], verbose_name='action')),
                ('change_message', models.TextField(blank=True, verbose_name='change')),
                ('action_time', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='when')),
                ('content_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype', verbose_name='kind of record')),
                ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='admin_actions', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                ('staff', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='staff member')),
            ],
            options={
                'verbose_name': 'admin action',
                'verbose_name_plural': 'admin actions',
                'ordering': ['-action_time'],
                'indexes': [models.Index(fields=['content_type', 'object_id'], name='accounts_ad_content_6f0438_idx')],
            },
        ),
        migrations.RunPython(fill_in, migrations.RunPython.noop),
    ]
