"""Accessibility and HTML checks for the browser journeys.

axe-core runs inside each page and the Nu Html Checker over the HTML the server sent;
both come from ``node_modules`` (``package-lock.json``, installed by ``make test``), never
from the network while the tests run. Without them the checks are skipped with the
reason; with ``REQUIRE_BROWSER=1`` (as in CI) they fail instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, Response

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
LIGHTHOUSE = NODE_MODULES / ".bin" / "lighthouse"

# WCAG 2.2 A and AA, as axe tags them (its target-size rule needs "wcag22aa").
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}


def require(*tools: Path) -> None:
    """Skip (or, with ``REQUIRE_BROWSER=1``, fail) when a checker is not installed."""
    missing = [str(tool.relative_to(NODE_MODULES.parent)) for tool in tools if not tool.exists()]
    if shutil.which("java") is None and VNU in tools:
        missing.append("java (apt-get install default-jre-headless)")
    if not missing:
        return
    reason = f"missing {', '.join(missing)}: run 'make node_modules/.installed' (npm ci)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def axe_violations(page: Page) -> list[str]:
    """axe-core's serious and critical WCAG 2.2 A/AA violations on the page, readable."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # An inline script: the checking context must bypass the site's CSP.
        page.add_script_tag(path=AXE)
    results = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                      resultTypes: ["violations"]})""",
        WCAG_TAGS,
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
        + "".join(f"    at {' '.join(node['target'])}\n" for node in violation["nodes"])
        + f"    {violation['helpUrl']}"
        for violation in results["violations"]
        if violation["impact"] in FAILING_IMPACTS
    ]


def axe_check(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe on {page.url}:\n" + "\n".join(violations)


@dataclass
class HtmlCollector:
    """The HTML of every checked page, saved for one run of the Nu Html Checker."""

    directory: Path
    pages: dict[Path, str] = field(default_factory=dict)

    def add(self, html: str, url: str) -> None:
        slug = re.sub(r"[^a-z0-9]+", "-", url.split("://", 1)[-1].split("/", 1)[-1].lower())
        path = self.directory / f"{len(self.pages):03}-{slug.strip('-') or 'home'}.html"
        path.write_text(html, encoding="utf-8")
        self.pages[path] = url

    def errors(self) -> list[str]:
        """The checker's errors, by page, line and message (one JVM for all pages)."""
        if not self.pages:
            return []
        command = ["java", "-jar", str(VNU), "--errors-only", "--format", "json"]
        finished = subprocess.run(
            [*command, *map(str, self.pages)], capture_output=True, text=True, timeout=300
        )
        # vnu writes its JSON report to stderr.
        report = json.loads(finished.stderr or finished.stdout)
        by_name = {path.name: url for path, url in self.pages.items()}
        return [
            f"{by_name.get(message.get('url', '').rsplit('/', 1)[-1], message.get('url'))}"
            f" line {message.get('lastLine', '?')}: {message['message']}"
            f"{' ' + repr(message['extract'].strip()) if message.get('extract') else ''}"
            for message in report["messages"]
            if message["type"] == "error" or message.get("subType") == "fatal"
        ]


def html_collect(collector: HtmlCollector, response: Response) -> None:
    """Keep the HTML the server sent (not the DOM after scripts) for the Nu checker."""
    collector.add(response.text(), response.url)


class PageChecker:
    """One role's page in one language: each ``check`` runs axe, checks ``<html lang>``
    and keeps the served HTML; ``assert_clean`` reports every page's violations at once."""

    def __init__(self, page: Page, site: str, language: str, collector: HtmlCollector):
        self.page, self.site, self.language, self.collector = page, site, language, collector
        self.problems: list[str] = []
        self.checked: list[str] = []
        self.document: Response | None = None
        page.on("response", self._remember_document)

    def _remember_document(self, response: Response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.document = response

    def visit(self, path: str, status: int = 200) -> Response:
        response = self.page.goto(self.site + path)
        assert response is not None
        assert response.status == status, f"{path}: {response.status}, not {status}"
        self.check()
        return response

    def check(self) -> None:
        page = self.page
        page.wait_for_load_state()
        url = page.url.removeprefix(self.site)
        lang = page.locator("html").get_attribute("lang")
        if lang != self.language:
            self.problems.append(f'{url}: <html lang="{lang}">, not "{self.language}"')
        violations = axe_violations(page)
        if violations:
            self.problems.append(f"axe on {url}:\n  " + "\n  ".join(violations))
        assert self.document is not None, page.url
        assert self.document.url == page.url, f"{self.document.url} is not {page.url}"
        html_collect(self.collector, self.document)
        self.checked.append(url)

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)
