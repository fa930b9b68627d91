import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_through_the_page(world, page, login):
    """A user signs in through the login form in headless Chromium and sees
    his role's navigation, in Chinese."""
    login("intake")
    assert page.url.endswith("/")
    assert page.locator("text=欢迎").count() == 1
    nav = page.locator("nav.main-nav")
    assert nav.is_visible()
    page.click("text=退出")
    page.wait_for_url("**/accounts/login/")
    assert page.locator("button[type=submit]").inner_text().strip() == "登录"


def test_wrong_password_message(world, page, login):
    """A wrong password shows the same clear message in the page."""
    login("intake", "not-the-password")
    assert page.locator(".form-errors").inner_text().strip() == "用户名或密码不正确。"
