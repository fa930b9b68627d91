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
