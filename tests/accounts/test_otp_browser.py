"""Setting up the authenticator app in a real browser (headless Chromium):
the first sign-in leads to the set-up page, the QR code is drawn in the
page under the CSP, a code from the key confirms it, the backup codes show
once; the page passes the accessibility check."""

import time
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Stark-Pass-2026!"
AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
RUN_AXE = """axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => v.id + ' ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"""


def _code(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def test_first_sign_in_sets_up_the_app(settings, world, login, page):
    settings.DEMO_MODE = False
    user = world["users"]["intake"]
    User.objects.filter(pk=user.pk).update(is_demo=False)
    user.refresh_from_db()
    user.set_password(PASSWORD)
    user.save()

    login("intake", PASSWORD)
    expect(page).to_have_url("/accounts/otp/")
    expect(page.locator("[role=alert]")).to_contain_text("身份验证器")
    page.get_by_role("button", name="设置身份验证器应用").click()
    expect(page.locator("[data-testid=otp-qr] svg")).to_be_visible()
    box = page.locator("[data-testid=otp-qr] svg").bounding_box()
    assert box["width"] >= 100 and box["height"] >= 100
    secret = page.locator("[data-testid=otp-secret]").inner_text()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert secret.replace(" ", "") and len(secret.replace(" ", "")) >= 32
    page.get_by_label("动态验证码").fill(_code(device))
    page.get_by_role("button", name="确认").click()
    expect(page.locator("[data-testid=backup-codes] li")).to_have_count(10)
    page.get_by_role("link", name="继续").click()
    expect(page).to_have_url("/")
    assert TOTPDevice.objects.get(pk=device.pk).confirmed


def test_set_up_page_is_accessible(world, _browser, live_server):
    """Demo mode: a demo administrator opens the page and starts a set-up."""
    from accounts.demo import DEMO_PASSWORD

    # axe is injected as a script: this context alone bypasses the CSP.
    context = _browser.new_context(locale="zh-CN", base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "secadmin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto("/accounts/profile/")
    page.locator("[data-testid=otp-setup-link]").click()
    page.get_by_role("button", name="设置身份验证器应用").click()
    expect(page.locator("[data-testid=otp-qr] svg")).to_be_visible()
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(RUN_AXE) == []
    context.close()
