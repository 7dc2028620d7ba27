"""What each guardian decision is about, as a consent receipt states it (in English, the
receipt's language): registered in ``consent.receipts.TOPIC_TERMS`` by ``GuardiansConfig``."""

from consent.receipts import POLICY_PII_TYPES, TopicTerms
from guardians.models import GuardianDecision

#: Every decision is changed (or the data deleted) on the guardian's page for the child.
WARD_PAGES = "guardians:portal"
PARENTAL = "consent of the holder of parental responsibility"

RECEIPT_TERMS: dict[str, TopicTerms] = {
    GuardianDecision.ACCOUNT: TopicTerms(
        label=GuardianDecision.ACCOUNT.label,
        purpose="A Tomato account for a child under 16, with the data an account needs",
        pii_types=("username", "email", "password (hashed)", "date of birth", "guardian's email"),
        withdrawal_url_name=WARD_PAGES,
        lawful_basis=PARENTAL,
    ),
    GuardianDecision.POLICY: TopicTerms(
        label=GuardianDecision.POLICY.label,
        purpose="The processing described in the Tomato Privacy Policy, for the child",
        pii_types=POLICY_PII_TYPES,
        withdrawal_url_name=WARD_PAGES,
        lawful_basis=PARENTAL,
    ),
    GuardianDecision.OPTIONAL_PROFILE_FIELDS: TopicTerms(
        label=GuardianDecision.OPTIONAL_PROFILE_FIELDS.label,
        purpose="The optional profile fields of the child's account",
        pii_types=("gender", "hobbies"),
        withdrawal_url_name=WARD_PAGES,
        lawful_basis=PARENTAL,
    ),
    GuardianDecision.PERSONALISATION: TopicTerms(
        label=GuardianDecision.PERSONALISATION.label,
        purpose="Personalisation cookies for the child (theme, remembered login email)",
        pii_types=("cookie tomato_prefs",),
        withdrawal_url_name=WARD_PAGES,
        lawful_basis=PARENTAL,
    ),
    GuardianDecision.FURTHER_COLLECTION: TopicTerms(
        label=GuardianDecision.FURTHER_COLLECTION.label,
        purpose="Further collection of the child's data beyond what the account needs",
        pii_types=("gender", "hobbies", "cookie tomato_prefs"),
        withdrawal_url_name=WARD_PAGES,
        lawful_basis=PARENTAL,
    ),
    GuardianDecision.KEEP_DATA: TopicTerms(
        label=GuardianDecision.KEEP_DATA.label,
        purpose="Keeping the child's data",
        pii_types=POLICY_PII_TYPES,
        withdrawal_url_name=WARD_PAGES,
        lawful_basis=PARENTAL,
    ),
}
