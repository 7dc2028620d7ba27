"""locale/allauth: our Chinese for the third-party strings the site shows (django-allauth,
Django, django-cookie-consent). Every entry is translated, and names a string its package
still has, so an upgrade that rewords a string shows up here instead of as English on a
Chinese page. The tests read the compiled catalogues (``make install`` compiles them)."""

import ast
import dataclasses
import subprocess
from http import HTTPStatus
from pathlib import Path

import allauth
import cookie_consent
import django
import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR, "locale", "allauth", "zh_Hans", "LC_MESSAGES", "django.po")
PACKAGES = {"allauth", "django", "cookie_consent"}


@dataclasses.dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    context: str | None = None
    msgstrs: dict[int, str] = dataclasses.field(default_factory=dict)
    flags: set[str] = dataclasses.field(default_factory=set)
    references: list[str] = dataclasses.field(default_factory=list)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.context, self.msgid)

    @property
    def package(self) -> str:
        return self.references[0].split("/", 1)[0] if self.references else ""


def read_po(path: Path) -> list[Entry]:
    """The entries of a PO file (the header, msgid "", left out)."""
    entries: list[Entry] = []
    entry = Entry()
    field: tuple[str, int] | None = None  # the keyword the last string belongs to
    started = False  # a msgid or msgctxt has been read for this entry

    def finish() -> None:
        nonlocal entry, field, started
        if started and entry.msgid:
            entries.append(entry)
        entry, field, started = Entry(), None, False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if field is not None and field[0] == "msgstr":
                finish()  # comments start the next entry even without a blank line
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#:"):
                entry.references += line[2:].split()
            continue
        if line.startswith('"'):
            assert field is not None, f"{path}: a string without a keyword: {raw!r}"
            append(entry, field, ast.literal_eval(line))
            continue
        keyword, _, value = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and field is not None and field[0] == "msgstr":
            finish()
        started = True
        if keyword.startswith("msgstr["):
            field = ("msgstr", int(keyword[len("msgstr[") : -1]))
        else:
            field = (keyword, 0)
        append(entry, field, ast.literal_eval(value), start=True)
    finish()
    return entries


def append(entry: Entry, field: tuple[str, int], text: str, start: bool = False) -> None:
    keyword, index = field
    if keyword == "msgstr":
        entry.msgstrs[index] = ("" if start else entry.msgstrs[index]) + text
    elif keyword == "msgid":
        entry.msgid = ("" if start else entry.msgid) + text
    elif keyword == "msgid_plural":
        entry.msgid_plural = ("" if start else entry.msgid_plural or "") + text
    elif keyword == "msgctxt":
        entry.context = ("" if start else entry.context or "") + text
    else:
        raise AssertionError(f"unknown keyword {keyword}")


def site_packages_dir(module) -> Path:
    return Path(module.__file__).parent


def allauth_msgids() -> dict[tuple[str | None, str], Entry]:
    po = site_packages_dir(allauth) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    return {entry.key: entry for entry in read_po(po) if not entry.obsolete}


def django_msgids() -> dict[tuple[str | None, str], Entry]:
    """Django's English catalogues list every msgid of the release (its zh_Hans lags)."""
    root = site_packages_dir(django)
    catalogues = [root / "conf" / "locale" / "en" / "LC_MESSAGES" / "django.po"]
    catalogues += sorted(root.glob("contrib/*/locale/en/LC_MESSAGES/django.po"))
    return {entry.key: entry for po in catalogues for entry in read_po(po) if not entry.obsolete}


def cookie_consent_msgids(tmp_path: Path) -> dict[tuple[str | None, str], Entry]:
    """django-cookie-consent has no catalogue: its msgids, extracted from its code."""
    root = site_packages_dir(cookie_consent)
    pot = tmp_path / "cookie_consent.pot"
    sources = sorted(str(path.relative_to(root.parent)) for path in root.glob("*.py"))
    subprocess.run(
        ["xgettext", "-L", "Python", "--from-code=UTF-8", "--keyword=_", "-o", str(pot), *sources],
        cwd=root.parent,
        check=True,
    )
    return {entry.key: entry for entry in read_po(pot)}


ENTRIES = read_po(CATALOGUE)


def test_the_catalogue_is_valid_gettext():
    """Header, plural forms and every %(name)s / {name} placeholder agree with the msgid."""
    result = subprocess.run(
        ["msgfmt", "--check", "--check-format", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_the_header_names_the_language_and_its_plural_forms():
    header = CATALOGUE.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert '"Language: zh_Hans\\n"' in header
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in header
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in header


def test_every_entry_is_translated_and_not_fuzzy():
    assert len(ENTRIES) > 100
    problems = [
        entry.msgid
        for entry in ENTRIES
        if entry.obsolete
        or "fuzzy" in entry.flags
        or sorted(entry.msgstrs) != [0]  # one form: nplurals=1
        or not entry.msgstrs[0].strip()
    ]
    assert problems == []


def test_every_entry_names_its_package():
    problems = [
        (entry.msgid, entry.references)
        for entry in ENTRIES
        if entry.package not in PACKAGES
        or any(reference.split("/", 1)[0] != entry.package for reference in entry.references)
    ]
    assert problems == []


def test_no_msgid_twice():
    keys = [entry.key for entry in ENTRIES]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_every_msgid_still_exists_in_its_package(package, tmp_path):
    """After an upgrade that rewords a string, the package's new msgid has no Chinese here:
    the old one is reported, to be replaced (see the comment at the top of the catalogue)."""
    known = {
        "allauth": allauth_msgids,
        "django": django_msgids,
        "cookie_consent": lambda: cookie_consent_msgids(tmp_path),
    }[package]()
    mine = [entry for entry in ENTRIES if entry.package == package]
    assert mine
    gone = [entry.msgid for entry in mine if entry.key not in known]
    assert gone == []
    plurals_differ = [
        entry.msgid for entry in mine if entry.msgid_plural != known[entry.key].msgid_plural
    ]
    assert plurals_differ == []


@pytest.mark.parametrize(
    ("msgid", "chinese"),
    [
        # allauth's own translation, which this catalogue leaves alone.
        ("Sign In", "登录"),
        ("Forgot your password?", "忘记密码？"),
        # Ours, replacing allauth's.
        ("Username or email", "用户名或电子邮箱地址"),
        ("Sign in with a passkey", "使用通行密钥登录"),
        ("Two-Factor Authentication", "双重验证"),
        ("Sign Out", "退出登录"),
        ("Incorrect code.", "验证码不正确。"),
        # Django 6.1's blank choice, missing from Django's zh_Hans.
        ("- Select an option -", "- 请选择 -"),
        # django-cookie-consent, which has no catalogue of its own.
        ("Cookie Groups", "Cookie 类别"),
    ],
)
def test_strings_come_out_in_chinese(msgid, chinese):
    with translation.override("zh-hans"):
        assert translation.gettext(msgid) == chinese


def test_plural_strings_come_out_in_chinese():
    with translation.override("zh-hans"):
        text = translation.ngettext(
            "There is %(unused_count)s out of %(total_count)s recovery codes available.",
            "There are %(unused_count)s out of %(total_count)s recovery codes available.",
            3,
        ) % {"unused_count": 3, "total_count": 10}
    assert text == "共 10 个恢复码，其中 3 个可用。"


@pytest.mark.parametrize(
    ("template", "chinese"),
    [
        ("account/email/email_confirmation_subject.txt", "请验证您的电子邮箱地址"),
        ("account/email/password_reset_key_subject.txt", "密码重置邮件"),
        ("mfa/email/recovery_codes_generated_subject.txt", "已生成新的恢复码"),
    ],
)
def test_allauth_email_subjects_in_chinese(template, chinese):
    with translation.override("zh-hans"):
        assert render_to_string(template).strip() == chinese


@pytest.mark.django_db
def test_the_login_page_in_chinese(client):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == HTTPStatus.OK
    assert response.headers["Content-Language"] == "zh-hans"
    assert 'placeholder="用户名或电子邮箱地址"' in response.text
    assert "使用通行密钥登录" in response.text
    assert "Username or email" not in response.text


@pytest.mark.django_db
def test_the_email_addresses_page_in_chinese(client, member):
    client.force_login(member)
    response = client.get(reverse("account_email"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == HTTPStatus.OK
    assert "以下电子邮箱地址已关联到您的账户：" in response.text
    assert "主地址" in response.text
