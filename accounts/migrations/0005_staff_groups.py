"""The staff roles: "Support" (read-only help) and "Privacy officer" (disclosures, erasure,
exports, policy versions). Superusers have everything."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPPORT = {
    "accounts": ["view_user"],
    "guardians": ["view_guardianship", "view_guardianrequest"],
}
PRIVACY_OFFICER = {
    "accounts": ["view_user", "erase_user", "view_staffaccess", "view_erasurereceipt",
                 "view_agescreenchange"],
    "consent": ["view_consentrecord", "export_consentrecord",
                "view_disclosure", "add_disclosure", "view_disclosuresubject",
                "view_recipient", "add_recipient", "change_recipient",
                "view_sharingpermission",
                "view_policyversion", "add_policyversion", "change_policyversion",
                "publish_policyversion", "view_pageview"],
    "cookie_consent": ["view_cookiegroup", "change_cookiegroup", "view_cookie", "add_cookie",
                       "change_cookie"],
    "guardians": ["view_guardianship", "view_guardianrequest", "change_guardianrequest"],
}  # fmt: skip
GROUPS = {"Support": SUPPORT, "Privacy officer": PRIVACY_OFFICER}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; these groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codenames in grants.items()
            for codename in codenames
        ]
        group.permissions.set(permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_staff_access"),
        ("consent", "0007_disclosures_and_sharing"),
        ("guardians", "0001_initial"),
        ("cookie_consent", "0004_cookie_natural_key"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
