"""典型案例: an administrator marks a published outcome as a typical case
with a write-up, redacted with the publication's own terms and passed by
its leak check; the public portal lists it."""

import pytest
from django.core.exceptions import ValidationError

from careers import services
from careers.models import TypicalCase
from core.exceptions import ApplicationError
from publication.services import publication_draft_create, publication_publish, publication_withdraw_for_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(mitigated, users):
    draft = publication_draft_create(case=mitigated, actor=users["admin"])
    return publication_publish(publication=draft, actor=users["admin"])


def test_marked_redacted_and_on_the_portal(published, mitigated, users, client, django_assert_num_queries):
    cadre = mitigated.applicant
    write_up = f"{cadre.full_name}同志在抢险中大胆担当，容错后继续受到重用。联系电话{cadre.phone or '13800000000'}。"
    typical = services.typical_case_mark(publication=published, actor=users["admin"], write_up=write_up)
    assert typical.write_up == write_up
    assert cadre.full_name not in typical.published_write_up and "大胆担当" in typical.published_write_up
    body = client.get("/public/typical-cases/").content.decode()
    assert "大胆担当" in body and cadre.full_name not in body and mitigated.number not in body
    with django_assert_num_queries(2):  # the count and the page, publication and jurisdiction joined
        client.get("/public/typical-cases/")
    # Marking again replaces the write-up.
    services.typical_case_mark(publication=published, actor=users["admin"], write_up="基层干部敢于担当的典型。")
    assert TypicalCase.objects.get().published_write_up == "基层干部敢于担当的典型。"
    # A withdrawn outcome takes it off the portal.
    publication_withdraw_for_case(case=mitigated, actor=users["admin"], reason="撤回")
    assert "敢于担当" not in client.get("/public/typical-cases/").content.decode()


def test_only_the_admin_and_only_a_published_outcome(published, mitigated, users):
    with pytest.raises(ApplicationError) as exc:
        services.typical_case_mark(publication=published, actor=users["inspector1"], write_up="典型")
    assert exc.value.status_code == 403
    with pytest.raises(ValidationError):
        services.typical_case_mark(publication=published, actor=users["admin"], write_up="  ")
    with pytest.raises(ApplicationError) as exc:
        services.typical_case_mark(publication=_withdrawn(published, mitigated, users), actor=users["admin"],
                                   write_up="典型")
    assert exc.value.code == "not_published"
    assert not TypicalCase.objects.exists()


def _withdrawn(published, mitigated, users):
    publication_withdraw_for_case(case=mitigated, actor=users["admin"], reason="撤回")
    published.refresh_from_db()
    return published


def test_marked_from_the_publication_page(published, mitigated, users, client, django_assert_num_queries):
    """The administrator reaches the form from the publication's page; an
    empty write-up is refused and saves nothing; the cadre's name is hidden
    in what the portal shows; others get 404."""
    cadre = mitigated.applicant
    client.force_login(users["admin"])
    detail = client.get(f"/publication/{published.pk}/").content.decode()
    assert f"/careers/typical-cases/{published.pk}/" in detail
    with django_assert_num_queries(7):
        page = client.get(f"/careers/typical-cases/{published.pk}/")
    assert page.status_code == 200 and 'name="write_up"' in page.content.decode()
    refused = client.post(f"/careers/typical-cases/{published.pk}/", {"write_up": "   "})
    assert refused.status_code == 200 and not TypicalCase.objects.exists()
    done = client.post(f"/careers/typical-cases/{published.pk}/",
                       {"write_up": f"{cadre.full_name}同志敢于担当，容错后轻装上阵。"}, follow=True)
    body = done.content.decode()
    assert 'data-testid="typical-published"' in body and "轻装上阵" in body
    typical = TypicalCase.objects.get()
    assert typical.recorded_by == users["admin"] and cadre.full_name not in typical.published_write_up
    portal = client.get("/public/typical-cases/").content.decode()
    assert "轻装上阵" in portal and cadre.full_name not in portal and 'aria-current="page"' in portal
    client.force_login(users["inspector1"])
    assert client.get(f"/careers/typical-cases/{published.pk}/").status_code == 404


def test_marked_through_the_api(published, mitigated, users, client):
    url = f"/api/v1/publications/{published.pk}/typical-case/"
    client.force_login(users["admin"])
    assert client.post(url, {"write_up": ""}, content_type="application/json").status_code == 400
    ok = client.post(url, {"write_up": f"{mitigated.applicant.full_name}同志敢于担当。"},
                     content_type="application/json")
    assert ok.status_code == 200 and ok.json()["publication"] == published.pk
    assert mitigated.applicant.full_name not in ok.json()["published_write_up"]
    assert "敢于担当" in ok.json()["published_write_up"]
    client.force_login(users["inspector1"])
    assert client.post(url, {"write_up": "x"}, content_type="application/json").status_code == 404
    publication_withdraw_for_case(case=mitigated, actor=users["admin"], reason="撤回")
    client.force_login(users["admin"])
    assert client.post(url, {"write_up": "典型"}, content_type="application/json").status_code == 409
