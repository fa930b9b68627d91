"""Every role's navigation leads to pages that open."""

import pytest

from accounts.demo import USERS
from cases.demo import build_demo_cases

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", sorted(USERS))
def test_every_menu_entry_opens(client, world, username):
    """For each demo user, the home page lists the role's menu and every
    entry answers 200 (with demo cases in several stages present)."""
    build_demo_cases(world)
    client.force_login(world["users"][username])
    home = client.get("/")
    assert home.status_code == 200
    items = home.context["nav_items"]
    assert items, f"{username} has an empty menu"
    for item in items:
        resp = client.get(item["url"])
        assert resp.status_code == 200, (username, item["url"], resp.status_code)


def test_menus_differ_by_role(client, world):
    """An applicant sees filing entries, intake sees the intake queue, not the reverse."""
    def labels(username):
        client.force_login(world["users"][username])
        return {str(i["label"]) for i in client.get("/").context["nav_items"]}

    applicant, intake = labels("applicant"), labels("intake")
    assert "新建申请" in applicant and "新建申请" not in intake
    assert "受理" in intake and "受理" not in applicant


def test_case_pages_open_for_everyone_who_may_see_them(client, world):
    """Each demo case's page opens for every demo user who may see it, and is a 404 otherwise."""
    from cases.selectors import case_list_for_user

    cases = build_demo_cases(world)
    for username, user in world["users"].items():
        visible = set(case_list_for_user(user=user).values_list("pk", flat=True))
        client.force_login(user)
        for case in cases:
            status = client.get(f"/cases/{case.pk}/").status_code
            assert status == (200 if case.pk in visible else 404), (username, case.stage, status)
