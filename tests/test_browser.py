"""The web page in a real headless Chromium (Debian's package, driven by Playwright): upload
a seed page, read the blurb, open a cited paper, ask a question, correct the identities.
Screenshots go to test-artifacts/. A missing browser fails the module with how to install it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agent.reporting.html_text import readable
from interface.http import create_app
from tests.conftest import SEED
from tests.http_server import copy_store, serving, settings_for

pytestmark = pytest.mark.server

CHROMIUM = os.environ.get("PROFILE_AGENT_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL = (
    "apt-get install -y chromium chromium-driver (or set PROFILE_AGENT_CHROMIUM to a Chromium "
    "binary); .ci/run installs it"
)


@pytest.fixture(scope="module")
def base_url(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = copy_store(seeded_store, tmp_path_factory.mktemp("browser"))
    with serving(create_app(settings_for(store))) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.fail(f"no Chromium at {CHROMIUM!r}: {INSTALL}", pytrace=False)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, base_url: str):
    context = browser.new_context(base_url=base_url, viewport={"width": 1100, "height": 1400})
    context.set_default_timeout(120_000)  # CI machines are slow and shared
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_upload_blurb_and_cited_paper(page, base_url: str):
    page.goto("/")
    _shot(page, "01-upload")
    page.set_input_files("#upload-file", str(SEED["000"]))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(f"**/p/{SEED['000'].stem}")
    blurb = page.locator("#blurb")
    assert blurb.inner_text().strip()
    assert page.locator("#mixed-banner").is_visible()  # seed 000 mixes people
    # Categories and identity groups always; novelty only where it was scored (issue 14 scores
    # a paper only against earlier papers of its own field, and abstains on 000's mathematics
    # without a loaded corpus); topics by year only for dated papers.
    report = httpx.get(f"{base_url}/api/profiles/{SEED['000'].stem}/report").json()
    want = 2 + (report["novelty"]["status"] == "scored") + bool(report["topics"]["timeline"])
    assert page.locator("svg.plot").count() == want
    assert page.locator('svg.plot[aria-label="Coarse categories"]').count() == 1
    assert page.locator('svg.plot[aria-label^="Identity groups"]').count() == 1
    cite = blurb.locator("a.cite").first
    label = cite.get_attribute("data-paper")
    cite.click()
    pop = page.locator("#paper-pop")
    pop.wait_for(state="visible")
    paper = next(
        p
        for p in httpx.get(f"{base_url}/api/profiles/{SEED['000'].stem}").json()["papers"]
        if f"P{p['position']}" == label
    )
    shown = pop.inner_text()
    assert f"{label}:" in shown and str(paper["year"] or "undated") in shown
    if paper["abstract"]:
        assert readable(paper["abstract"])[:60] in " ".join(shown.split())
    _shot(page, "02-profile-cited-paper")


def test_chat_panel_shows_a_cited_answer(page):
    page.goto(f"/p/{SEED['002'].stem}")
    page.fill("#chat-q", "Which papers are about fault tolerance?")
    page.click("#chat-form button[type=submit]")
    answer = page.locator("#chat-log .a[data-done='1']")
    answer.wait_for()
    cite = answer.locator("a.cite").first
    assert cite.count() == 1, answer.inner_text()
    cite.click()
    page.locator("#paper-pop").wait_for(state="visible")
    assert f"{cite.get_attribute('data-paper')}:" in page.locator("#paper-pop").inner_text()
    _shot(page, "03-chat")


def _groups(page) -> dict[str, set[str]]:
    out = {}
    for group in page.locator(".group").all():
        labels = {box.get_attribute("value") for box in group.locator("input.pick").all()}
        out[group.get_attribute("data-identity")] = labels
    return out


def test_identity_correction_changes_groups(page):
    page.goto(f"/p/{SEED['000'].stem}")
    before = _groups(page)
    assert len(before) >= 2
    first, second = sorted(before)[:2]
    a, b = sorted(before[first])[0], sorted(before[second])[0]
    page.check(f"input.pick[value={a}]")
    page.check(f"input.pick[value={b}]")
    page.click("#same-person")
    page.wait_for_function(
        f"() => [...document.querySelectorAll('.group')].some(g => "
        f"g.querySelector('input[value={a}]') && g.querySelector('input[value={b}]'))"
    )
    after = _groups(page)
    assert after != before
    assert any({a, b} <= labels for labels in after.values())
    assert "corrections applied" in page.locator("#identity-summary").inner_text()
    _shot(page, "04-identities-corrected")
