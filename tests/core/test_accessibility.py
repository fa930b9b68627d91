"""Accessibility: axe-core (vendored from the npm registry, test-only) finds
no serious or critical violation on the main pages of each role."""

from pathlib import Path

import pytest

from accounts.demo import DEMO_PASSWORD
from cases.demo import build_demo_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
RUN_AXE = """axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => v.id + ' ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"""


def test_main_pages_have_no_serious_accessibility_violations(world, _browser, live_server):
    """Lists, the filing form, the case page with every panel, the dashboard
    and the public portal, in Chinese."""
    cases = {c.stage: c for c in build_demo_cases(world)}
    pages = {
        None: ["/accounts/login/", "/public/", "/public/policies/"],
        "applicant": ["/", "/cases/mine/", "/cases/new/", f"/cases/{cases['draft'].pk}/edit/matter/",
                      f"/cases/{cases['ruled'].pk}/"],
        "intake": ["/", "/letters/", "/cases/intake/", f"/cases/{cases['submitted'].pk}/", "/dashboard/",
                   "/reports/yearly/"],
        "admin": ["/publication/", f"/cases/{cases['ruled'].pk}/"],
    }
    found = []
    for username, paths in pages.items():
        # axe is injected as a script: this context alone bypasses the CSP.
        context = _browser.new_context(locale="zh-CN", base_url=live_server.url, bypass_csp=True)
        page = context.new_page()
        if username:
            page.goto("/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
        for path in paths:
            page.goto(path)
            page.add_script_tag(path=str(AXE))
            found += [f"{username} {path}: {v}" for v in page.evaluate(RUN_AXE)]
        context.close()
    assert found == []
