"""Redaction of a real case (issue 22): every person and unit the case
knows, the names the detector finds in the facts (李堃, 王𠮷祥), the unit's
short form (县教育局) when the unit is hidden; the leak check names what is
left in an attached PDF; what goes out is the final ruling (after review)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cases.models import Case, Stage
from core.exceptions import ApplicationError
from policies.models import PolicyItem
from publication import services
from publication.models import PublicationLog
from reviews.models import Ruling

from .conftest import bring_to_verification, rule, text_pdf

pytestmark = pytest.mark.django_db

FACTS = "县教育局在未完成招标备案的情况下先行采购，副局长李堃签批，王𠮷祥在存瑞镇组织了验收。"


@pytest.fixture
def named_case(users, identified):
    case = bring_to_verification(users, facts=FACTS)
    rule(case, users)
    return case


def test_other_people_rare_characters_and_places_are_hidden(named_case, users):
    """李堃 and 王𠮷祥 (not the applicant), the place 存瑞镇 and everyone who
    acted in the case (the intake officer 刘洋) are hidden; the unit stays
    while the policy publishes it, and the leak check passes."""
    p = services.publication_draft_create(case=named_case, actor=users["admin"])
    services.publication_update(publication=p, actor=users["admin"], body=p.body + "\n受理人刘洋。")
    p.refresh_from_db()
    preview = services.publication_preview(publication=p, actor=users["admin"])
    for name in ("李堃", "王𠮷祥", "存瑞镇", "张伟", "刘洋"):
        assert name not in preview.redacted_text, name
    sources = {t["term"]: t["source"] for t in preview.terms}
    assert sources["李堃"] in ("person", "known_person") and sources["刘洋"] == "known_person"
    assert "县教育局在未完成" in preview.redacted_text
    assert preview.leaks == []


def test_hiding_the_unit_hides_its_short_forms(named_case, users):
    """With the unit hidden, 县教育局 (short for 怀来县教育局) is hidden as
    well as the full name; the jurisdiction 怀来县 in the title stays."""
    p = services.publication_draft_create(case=named_case, actor=users["admin"])
    p = services.publication_update(publication=p, actor=users["admin"], redact_unit=True)
    preview = services.publication_preview(publication=p, actor=users["admin"])
    assert "县教育局" not in preview.redacted_text and "怀来县教育局" not in preview.redacted_text
    assert "怀来县" in preview.redacted_title
    assert preview.leaks == []
    services.publication_publish(publication=p, actor=users["admin"])
    p.refresh_from_db()
    assert "县教育局" not in p.published_text and "李堃" not in p.published_text


def test_name_left_in_the_attached_pdf_blocks_and_says_where(named_case, users):
    """A PDF naming a person no list knows (赵国强) and the hidden unit's
    short form is refused, each found term with its page and context."""
    p = services.publication_draft_create(case=named_case, actor=users["admin"])
    services.publication_update(publication=p, actor=users["admin"], redact_unit=True,
                                pdf=text_pdf("经查，县教育局副局长赵国强对此知情。"))
    with pytest.raises(ApplicationError) as exc:
        services.publication_publish(publication=p, actor=users["admin"])
    assert exc.value.code == "leak_found"
    found = {leak["term"]: leak for leak in exc.value.extra["leaks"]}
    assert "赵国强" in found and found["赵国强"]["source"] == "person"
    assert any("县教育局" in term for term in found)
    assert "第1页" in found["赵国强"]["where"] and "赵国强" in found["赵国强"]["context"]
    assert "赵国强" in exc.value.message


def _review(case: Case, users, items) -> Ruling:
    """A review that upholds the first ruling with other reasons and items,
    as the review workflow leaves it (the first stays current)."""
    review = Ruling.objects.create(
        case=case, kind=Ruling.Kind.REVIEW, result="exempt", reasons="复核认为属于探索性试验中的失误。",
        decided_on=dt.date(2026, 4, 1), recorded_by=users["committee1"], is_current=False,
        review_decision="upheld",
    )
    review.applied_items.set(items)
    Case.objects.filter(pk=case.pk).update(stage=Stage.RULED)
    return review


def test_what_is_published_is_the_review_decision(named_case, users):
    """A draft made before the review cannot be published once a review is
    requested or decided; generated again it holds the review's reasons
    and scenarios, not the first ruling's."""
    p = services.publication_draft_create(case=named_case, actor=users["admin"])
    first_titles = {s.title for s in p.scenarios.all()}
    Case.objects.filter(pk=named_case.pk).update(stage=Stage.REVIEW)
    with pytest.raises(ApplicationError) as exc:
        services.publication_publish(publication=p, actor=users["admin"])
    assert exc.value.code == "ruling_changed"
    second = PolicyItem.objects.filter(version=named_case.policy_version, kind="positive").order_by("number")[1]
    _review(named_case, users, [second])
    p.refresh_from_db()
    assert services.publication_ruling_stale(p) is True
    with pytest.raises(ApplicationError):
        services.publication_publish(publication=p, actor=users["admin"])
    p = services.publication_regenerate(publication=p, actor=users["admin"])
    assert {s.title for s in p.scenarios.all()} == {second.title} != first_titles
    assert "探索性试验" in p.body and p.decided_on == dt.date(2026, 4, 1)
    services.publication_publish(publication=p, actor=users["admin"])


def test_a_draft_made_after_the_review_uses_it(named_case, users):
    """Drafted after the review, the publication relies on the review's
    items from the start."""
    second = PolicyItem.objects.filter(version=named_case.policy_version, kind="positive").order_by("number")[1]
    _review(named_case, users, [second])
    p = services.publication_draft_create(case=named_case, actor=users["admin"])
    assert [s.title for s in p.scenarios.all()] == [second.title]
    assert f"第{second.number}条" in p.body


def test_a_false_positive_is_waved_through_with_a_reason_real_names_still_block(named_case, users):
    """Issue 22: the detector reads 长城 (the Great Wall) in an attached PDF
    as a place and blocks publication. The publishing administrator waves it
    through with a reason: it is no longer hidden nor reported, the reason is
    in the publication's log. A name the case knows (the applicant 张伟, the
    intake officer 刘洋) cannot be waved through, nor a term the detector did
    not find, nor anything without a reason; a name left in still blocks."""
    p = services.publication_draft_create(case=named_case, actor=users["admin"])
    services.publication_update(publication=p, actor=users["admin"],
                                pdf=text_pdf("经查，该局在长城沿线开展了文物保护工作。"))
    p.refresh_from_db()
    leaks = services.publication_preview(publication=p, actor=users["admin"]).leaks
    assert [(leak["term"], leak["source"], leak["waivable"]) for leak in leaks] == [("长城", "place", True)]
    with pytest.raises(ApplicationError) as refused:
        services.publication_publish(publication=p, actor=users["admin"])
    assert refused.value.code == "leak_found"

    with pytest.raises(ValidationError):
        services.publication_clear_term(publication=p, actor=users["admin"], term="长城", reason=" ")
    for known in ("张伟", "刘洋"):
        with pytest.raises(ApplicationError) as exc:
            services.publication_clear_term(publication=p, actor=users["admin"], term=known, reason="不是人名")
        assert exc.value.code == "known_name", known
    with pytest.raises(ApplicationError) as exc:
        services.publication_clear_term(publication=p, actor=users["admin"], term="沿线", reason="不是地名")
    assert exc.value.code == "not_found"

    services.publication_clear_term(publication=p, actor=users["admin"], term="长城",
                                    reason="长城为文物名称，不指向任何个人或单位")
    p.refresh_from_db()
    preview = services.publication_preview(publication=p, actor=users["admin"])
    assert preview.leaks == [] and preview.cleared[0]["term"] == "长城"
    log = p.log.get(action=PublicationLog.Action.TERM_CLEARED)
    assert log.data == {"term": "长城", "reason": "长城为文物名称，不指向任何个人或单位"}
    assert log.actor == users["admin"]

    # A real name added to the text still blocks: the waiver is for 长城 only.
    services.publication_update(publication=p, actor=users["admin"],
                                pdf=text_pdf("经查，该局在长城沿线开展了保护工作，赵国强对此知情。"))
    with pytest.raises(ApplicationError) as exc:
        services.publication_publish(publication=p, actor=users["admin"])
    assert {leak["term"] for leak in exc.value.extra["leaks"]} == {"赵国强"}


def test_the_detail_page_waves_a_false_positive_through(named_case, users, client):
    """The same from the administrator's page: the leak shows a form, its
    POST records the reason, and the page then lists it and passes."""
    p = services.publication_draft_create(case=named_case, actor=users["admin"])
    services.publication_update(publication=p, actor=users["admin"],
                                pdf=text_pdf("经查，该局在长城沿线开展了文物保护工作。"))
    client.force_login(users["admin"])
    url = f"/publication/{p.pk}/"
    page = client.get(url).content.decode()
    assert f'action="{url}clear-term/"' in page and 'value="长城"' in page
    client.post(f"{url}clear-term/", {"term": "长城", "reason": "文物名称"})
    page = client.get(url).content.decode()
    assert 'id="cleared-terms"' in page and "文物名称" in page and 'id="leak-check-ok"' in page
