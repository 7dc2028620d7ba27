from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuardiansConfig(AppConfig):
    name = "guardians"
    verbose_name = _("Guardians")

    def ready(self) -> None:
        from consent.groups import RECORDED_TOPICS
        from consent.receipts import TOPIC_TERMS
        from consent.signals import policy_agreed
        from guardians.models import GuardianDecision
        from guardians.receipts import RECEIPT_TERMS
        from guardians.receivers import agree_for_wards

        policy_agreed.connect(agree_for_wards)
        # The consent records' admin filter offers the guardians' decisions too.
        RECORDED_TOPICS.update(GuardianDecision.choices)
        # Their receipts say what each decision is about.
        TOPIC_TERMS.update(RECEIPT_TERMS)
