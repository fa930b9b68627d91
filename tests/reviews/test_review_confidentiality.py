"""The internal record of a case — inspectors' interview and evidence
records with their files, each member's vote and opinion — is for the
handling staff of the jurisdiction. The applicant and his unit's reviewer see
that those steps happened, not their content, on the page and in the API,
and cannot fetch the files."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import Attachment
from cases.selectors import case_page_url
from reviews import services

from .conftest import accept_case, assess, pdf

pytestmark = pytest.mark.django_db

WITNESS = "证人王某某"
STATEMENT = "证人称采购前曾口头请示分管副县长"
OPINION = "建议从轻，程序瑕疵明显"


@pytest.fixture
def deliberated(users):
    case = accept_case(users)
    services.case_assign(case=case, actor=users["supervisor"], inspectors=[users["inspector1"], users["inspector2"]])
    record = services.interview_record(case=case, actor=users["inspector1"], person=WITNESS,
                                       held_on=dt.date(2026, 1, 7), summary=STATEMENT, file=pdf("证人谈话笔录.pdf"))
    services.interview_record(case=case, actor=users["inspector1"], person="张伟", held_on=dt.date(2026, 1, 6),
                              summary="本人陈述采购经过。", file=pdf())
    assess(case, users["inspector1"])
    services.case_preliminary_report(case=case, actor=users["inspector2"], recommended_result="exempt",
                                     summary="符合容错条件。")
    services.case_defend(case=case, actor=users["applicant"], text="本人申辩如下。")
    attachment = record.attachment
    services.meeting_record(case=case, actor=users["committee1"], held_on=dt.date(2026, 1, 8),
                            members_present=[users[m] for m in ("committee1", "committee2", "committee3")])
    services.vote_record(case=case, actor=users["committee1"], member=users["committee2"], result="mitigated",
                         opinion=OPINION)
    case.refresh_from_db()
    return case, attachment


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("name", ["applicant", "unit_reviewer"])
def test_applicant_and_unit_see_no_internal_record(users, client, deliberated, name):
    case, attachment = deliberated
    client.force_login(users[name])
    page = client.get(case_page_url(case.pk)).content.decode()
    for secret in (WITNESS, STATEMENT, OPINION, "证人谈话笔录.pdf", "本人陈述采购经过"):
        assert secret not in page
    assert "证据.pdf" in page  # the applicant's own evidence is still there
    assert client.get(reverse("cases:attachment_download", args=[case.pk, attachment.pk])).status_code == 404

    api = _api(users[name])
    record = api.get(f"/api/v1/cases/{case.pk}/review-record/").json()
    assert record["records"] == [] and record["meetings"][0]["votes"] == []
    names = [a["original_name"] for a in api.get(f"/api/v1/cases/{case.pk}/attachments/").json()]
    assert "证人谈话笔录.pdf" not in names and "证据.pdf" in names
    assert api.get(f"/api/v1/cases/{case.pk}/attachments/{attachment.pk}/download/").status_code == 404
    detail = api.get(f"/api/v1/cases/{case.pk}/").json()
    events = {e["kind"]: e for e in detail["events"]}
    # The steps show on the timeline; their details do not.
    assert events["interview_recorded"]["data"] == {} and events["vote_cast"]["data"] == {}
    assert "证人谈话笔录.pdf" not in [a["original_name"] for a in detail["attachments"]]


@pytest.mark.parametrize("name", ["inspector1", "supervisor", "committee1", "intake"])
def test_handling_staff_see_the_internal_record(users, client, deliberated, name):
    case, attachment = deliberated
    client.force_login(users[name])
    page = client.get(case_page_url(case.pk)).content.decode()
    for secret in (WITNESS, STATEMENT, OPINION, "证人谈话笔录.pdf"):
        assert secret in page
    response = client.get(reverse("cases:attachment_download", args=[case.pk, attachment.pk]))
    assert response.status_code == 200
    api = _api(users[name])
    record = api.get(f"/api/v1/cases/{case.pk}/review-record/").json()
    assert {r["person"] for r in record["records"]} >= {WITNESS}
    assert [v["opinion"] for v in record["meetings"][0]["votes"]] == [OPINION]
    assert api.get(f"/api/v1/cases/{case.pk}/attachments/{attachment.pk}/download/").status_code == 200


def test_interview_files_are_stored_internal(users, deliberated):
    case, _ = deliberated
    interview_files = Attachment.objects.filter(case=case, original_name="谈话笔录.pdf")
    assert interview_files.exists() and all(a.internal for a in interview_files)
    assert not Attachment.objects.get(case=case, original_name="证据.pdf").internal


@pytest.mark.parametrize(("name", "internal"), [("applicant", False), ("unit_reviewer", False),
                                                ("inspector1", True), ("committee1", True)])
def test_the_history_api_keeps_the_timeline_s_confidentiality(users, deliberated, name, internal,
                                                               django_assert_max_num_queries):
    """GET /cases/{id}/events/ pages the same history as the case page's
    timeline, with the same rule: an internal step shows to the applicant
    and his unit without its details; the handling staff see them. Every
    page is read in a bounded number of queries, and the cursor walks the
    whole history once."""
    case, _ = deliberated
    api = _api(users[name])
    seen, url = [], f"/api/v1/cases/{case.pk}/events/?page_size=3"
    while url:
        with django_assert_max_num_queries(12):
            body = api.get(url).json()
        assert body["count"] == case.events.count() and body["count_approximate"] is False
        seen += body["results"]
        url = body["next"]
    assert [e["id"] for e in seen] == list(case.events.order_by("id").values_list("id", flat=True))
    by_kind = {e["kind"]: e for e in seen}
    text = str(seen)
    if internal:
        assert by_kind["vote_cast"]["data"] and OPINION in text or by_kind["interview_recorded"]["data"]
    else:
        assert by_kind["interview_recorded"]["data"] == {} and by_kind["vote_cast"]["data"] == {}
        for secret in (WITNESS, STATEMENT, OPINION):
            assert secret not in text
    # The page shows the same details to the same reader.
    detail = {e["id"]: e for e in api.get(f"/api/v1/cases/{case.pk}/").json()["events"]}
    assert all(detail[e["id"]]["data"] == e["data"] and detail[e["id"]]["reason"] == e["reason"] for e in seen)


def test_the_history_of_a_case_one_may_not_see_is_a_404(users, deliberated):
    case, _ = deliberated
    assert _api(users["km_inspector"]).get(f"/api/v1/cases/{case.pk}/events/").status_code == 404
    assert _api(users["applicant2"]).get(f"/api/v1/cases/{case.pk}/events/").status_code == 404
