"""Case pages: lists keep a fixed number of queries; access is checked; bad
input gets a clear message and changes nothing."""

import re

import pytest
from django.urls import reverse

from accounts.models import OrgUnit
from accounts.services import org_unit_create
from cases import services
from cases.models import Case, Stage
from cases.selectors import case_jurisdiction_choices, case_search

from .conftest import fill_draft, pdf

pytestmark = pytest.mark.django_db


def _make_cases(users, n, start=0):
    for i in range(start, start + n):
        case = services.case_create(actor=users["applicant"], title=f"申请{i}")
        fill_draft(case, users["applicant"])
        services.case_submit(case=case, actor=users["applicant"])


def _count_queries(client, url, django_assert_max_num_queries=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200
    return len(ctx.captured_queries), resp


@pytest.mark.parametrize("username,url", [
    ("applicant", "/cases/mine/"),
    ("unit_reviewer", "/cases/unit/"),
    ("intake", "/cases/search/"),
])
def test_list_query_count_is_fixed(client, users, username, url):
    """The same number of queries for 2 cases as for 12."""
    client.force_login(users[username])
    _make_cases(users, 2)
    few, resp = _count_queries(client, url)
    assert "申请1" in resp.content.decode()
    _make_cases(users, 10, start=2)
    many, resp = _count_queries(client, url)
    assert "申请11" in resp.content.decode()
    assert few == many


def test_intake_queue_shows_due_dates_in_order(client, users, submitted):
    """The intake queue lists cases awaiting intake with their due date."""
    client.force_login(users["intake"])
    body = client.get("/cases/intake/").content.decode()
    clock = submitted.clocks.get(stage="intake")
    assert submitted.title in body and clock.due_date.strftime("%Y-%m-%d") in body


def test_case_number_in_a_list_links_to_the_case(client, users, submitted):
    """Issue 22: the case number in a list is a link to the case page, like
    its title."""
    Case.objects.filter(pk=submitted.pk).update(number="怀容〔2026〕第0099号")
    client.force_login(users["intake"])
    body = client.get("/cases/intake/").content.decode()
    assert f'<a href="{reverse("cases:detail", args=[submitted.pk])}">怀容〔2026〕第0099号</a>' in body


def test_applicant_region_filter_offers_only_his_cases_jurisdictions(client, users, submitted):
    """Issue 22: an applicant of 怀来县 was offered 昆明市 in the region
    filter; only the jurisdictions of the cases he may see are offered."""
    OrgUnit.objects.get_or_create(code="km-test", defaults={"name": "昆明市", "kind": OrgUnit.Kind.JURISDICTION})
    client.force_login(users["applicant"])
    body = client.get("/cases/mine/").content.decode()
    assert f'<option value="{submitted.jurisdiction_id}">{submitted.jurisdiction.name}</option>' in body
    assert "昆明市" not in body


def test_region_filter_lists_the_jurisdictions_of_the_users_tree(client, users, submitted):
    """The region filter is read off the org tree (issue 19: not off every
    case the user sees): a jurisdiction inside a staff member's tree is
    offered before any case is filed there; one outside it never; a unit's
    reviewer is offered the jurisdiction his unit's cases are in; an
    applicant without a case none."""
    huailai = submitted.jurisdiction
    town = org_unit_create(name="沙城镇", code="shacheng", kind=OrgUnit.Kind.JURISDICTION, parent=huailai,
                           short_name="沙")
    kunming = OrgUnit.objects.get(code="kunming")

    def offered(user) -> set[str]:
        client.force_login(user)
        body = client.get("/cases/search/").content.decode()
        select = re.search(r'<select name="jurisdiction".*?</select>', body, re.S).group(0)
        return set(re.findall(r'<option value="\d+">([^<]+)</option>', select))

    assert offered(users["intake"]) == {"怀来县", "沙城镇"}
    assert offered(users["km_intake"]) == {"昆明市"}
    assert offered(users["admin"]) == {"怀来县", "沙城镇", "昆明市"}
    assert offered(users["unit_reviewer"]) == {"怀来县"}  # 教育局 lies in 怀来县, not in 沙城镇
    assert offered(users["org_dept"]) == {"怀来县", "沙城镇"}
    assert offered(users["applicant"]) == {"怀来县"}  # his case's
    assert offered(users["applicant2"]) == set()
    # Every case a user sees is in one of the jurisdictions offered to him.
    for name in ("intake", "km_intake", "admin", "unit_reviewer", "org_dept", "applicant"):
        user = users[name]
        visible = set(Case.objects.filter(pk__in=case_search(user=user).values("pk"))
                      .values_list("jurisdiction_id", flat=True))
        assert visible <= set(case_jurisdiction_choices(user=user).values_list("pk", flat=True)), name
    # Filtering on one works, and one outside the tree is refused as a choice.
    client.force_login(users["intake"])
    assert submitted.title in client.get("/cases/search/", {"jurisdiction": huailai.pk}).content.decode()
    assert submitted.title not in client.get("/cases/search/", {"jurisdiction": town.pk}).content.decode()
    response = client.get("/cases/search/", {"jurisdiction": kunming.pk})
    assert response.context["form"].errors["jurisdiction"]


def test_search_finds_chinese_substrings(client, users, submitted):
    """Search matches a Chinese substring of the text, the number, or the name."""
    client.force_login(users["intake"])
    for q in ("校舍", submitted.number[-6:], "张伟"):
        assert submitted.title in client.get("/cases/search/", {"q": q}).content.decode(), q
    assert submitted.title not in client.get("/cases/search/", {"q": "不存在的词"}).content.decode()


def test_detail_and_files_are_404_for_others(client, users, submitted):
    """Another applicant gets 404 on the case page and its file URL."""
    att = submitted.attachments.first()
    client.force_login(users["applicant2"])
    assert client.get(f"/cases/{submitted.pk}/").status_code == 404
    assert client.get(f"/cases/{submitted.pk}/files/{att.pk}/").status_code == 404
    client.force_login(users["applicant"])
    resp = client.get(f"/cases/{submitted.pk}/files/{att.pk}/")
    assert resp.status_code == 200 and resp["X-Content-Type-Options"] == "nosniff"
    assert b"".join(resp.streaming_content).startswith(b"%PDF")


def test_detail_page_shows_only_allowed_actions(client, users, submitted):
    """Intake sees accept / supplement / not-accept; the applicant sees only withdraw."""
    client.force_login(users["intake"])
    body = client.get(f"/cases/{submitted.pk}/").content.decode()
    assert reverse("cases:action", args=[submitted.pk, "accept"]) in body
    assert reverse("cases:action", args=[submitted.pk, "withdraw"]) not in body
    client.force_login(users["applicant"])
    body = client.get(f"/cases/{submitted.pk}/").content.decode()
    assert reverse("cases:action", args=[submitted.pk, "accept"]) not in body
    assert reverse("cases:action", args=[submitted.pk, "withdraw"]) in body


def test_illegal_action_from_the_browser_changes_nothing(client, users, submitted):
    """Posting an action the user may not take shows a clear message."""
    client.force_login(users["applicant"])
    resp = client.post(f"/cases/{submitted.pk}/do/accept/", follow=True)
    assert "您无权对本案件进行此操作" in resp.content.decode()
    submitted.refresh_from_db()
    assert submitted.stage == Stage.SUBMITTED


def test_not_accept_without_reason_is_refused(client, users, submitted):
    """不予受理 without reasons: a message, and the case is unchanged."""
    client.force_login(users["intake"])
    resp = client.post(f"/cases/{submitted.pk}/do/not_accept/", {"reason": ""}, follow=True)
    assert "理由" in resp.content.decode()
    submitted.refresh_from_db()
    assert submitted.stage == Stage.SUBMITTED


def test_bad_upload_message_in_chinese_and_english(client, users):
    """A file whose content is not accepted is refused with a clear message."""
    case = services.case_create(actor=users["applicant"], title="申请")
    client.force_login(users["applicant"])
    bad = pdf("病毒.pdf", b"MZ\x90\x00 this is an exe")
    resp = client.post(f"/cases/{case.pk}/files/", {"file": bad, "kind": "evidence"}, follow=True)
    assert "格式不被接受" in resp.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    bad = pdf("virus.pdf", b"MZ\x90\x00 this is an exe")
    resp = client.post(f"/cases/{case.pk}/files/", {"file": bad, "kind": "evidence"}, follow=True)
    assert "is not an accepted type" in resp.content.decode()
    assert case.attachments.count() == 0


def test_draft_autosave_via_htmx(client, users):
    """The filing form saves on change (htmx) and says so."""
    case = services.case_create(actor=users["applicant"], title="申请")
    client.force_login(users["applicant"])
    resp = client.post(f"/cases/{case.pk}/edit/matter/", {"title": "申请", "matter": "自动保存的内容"},
                       HTTP_HX_REQUEST="true")
    assert "草稿已于" in resp.content.decode()
    assert Case.objects.get(pk=case.pk).matter == "自动保存的内容"


def test_demo_cases_build_through_the_services(world):
    """demo_data's cases reach their stages through the real services."""
    from cases.demo import DEMO, build_demo_cases

    made = build_demo_cases(world)
    assert [c.stage for c in made] == [stage for stage, _t, _u in DEMO]
    assert build_demo_cases(world) == []  # idempotent


def test_search_page_links_to_export_with_its_filters(client, users, submitted):
    """Staff can export the filtered list; the link carries the filters."""
    client.force_login(users["intake"])
    body = client.get("/cases/search/", {"q": "校舍", "stage": "submitted"}).content.decode()
    assert '/dashboard/export/cases/?q=%E6%A0%A1%E8%88%8D&amp;stage=submitted' in body
    export_page = client.get("/dashboard/export/cases/", {"q": "校舍", "stage": "submitted"})
    assert export_page.status_code == 200 and export_page.context["count"] == 1
    client.force_login(users["applicant"])
    assert "export-link" not in client.get("/cases/mine/").content.decode()


def test_demo_cases_with_the_shipped_catalogues(db):
    """With the real catalogues loaded (as make run does), demo_data builds
    every demo case, the ruled one included."""
    from django.core.management import call_command

    from cases.demo import DEMO
    from cases.models import Case

    call_command("load_policies")
    call_command("demo_data")
    stages = dict(Case.objects.values_list("title", "stage"))
    assert [stages[t] for _s, t, _u in DEMO] == [s for s, _t, _u in DEMO]
    from prefilings.models import PreFiling

    filing = PreFiling.objects.get()
    assert filing.status == PreFiling.Status.REGISTERED and filing.number.startswith("怀容备")
    from clarifications.demo import TITLES as CLARIFICATION_TITLES

    call_command("demo_data")  # idempotent
    # The stand-alone clarification cases (issue 18) are built beside the 容错 ones.
    assert PreFiling.objects.count() == 1
    assert Case.objects.count() == len(DEMO) + len(CLARIFICATION_TITLES)


def test_no_empty_action_card_for_later_stage_actors(client, users, submitted):
    """Someone whose only actions belong to later stages gets no empty
    "what you can do now" card from the filing panel."""
    services.case_accept(case=submitted, actor=users["intake"])
    client.force_login(users["supervisor"])
    body = client.get(f"/cases/{submitted.pk}/").content.decode()
    assert 'id="case-actions"' not in body
