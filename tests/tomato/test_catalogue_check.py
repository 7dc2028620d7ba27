"""The catalogue check of ``make check`` (bin/check_catalogues.py) finds what is missing."""

import importlib.util
import shutil
from pathlib import Path

import pytest
from django.conf import settings

spec = importlib.util.spec_from_file_location(
    "check_catalogues", Path(settings.BASE_DIR) / "bin" / "check_catalogues.py"
)
assert spec is not None
assert spec.loader is not None
check_catalogues = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_catalogues)

CATALOGUE = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: zh_Hans\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"

msgid "Privacy policy"
msgstr "隐私政策"

msgid "Zebra crossing"
msgstr ""

#, fuzzy
msgid "Cookie settings"
msgstr "Cookie 设置（旧）"

#~ msgid "Gone"
#~ msgstr ""
"""

pytestmark = pytest.mark.skipif(not shutil.which("msgattrib"), reason="needs gettext")


def test_untranslated_and_fuzzy_entries_are_found(tmp_path, monkeypatch):
    monkeypatch.setattr(check_catalogues, "ROOT", tmp_path)
    catalogue = tmp_path / "django.po"
    catalogue.write_text(CATALOGUE, encoding="utf-8")
    assert check_catalogues.problems_in(catalogue) == [
        "django.po: untranslated: Zebra crossing",
        "django.po: fuzzy: Cookie settings",
    ]


def test_the_committed_catalogues_are_whole():
    problems = [
        problem
        for path in [*check_catalogues.catalogues(), check_catalogues.SUPPLEMENT]
        for problem in check_catalogues.problems_in(path)
    ]
    assert problems == []
    assert len(check_catalogues.catalogues()) == 5  # the project's and four apps'
