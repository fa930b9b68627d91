"""Issue 16: a time limit no source gives is an example default, marked
示例默认（待核定） wherever it shows; a letter states a limit as the rule
only where it comes from the jurisdiction's own text; publishing a version
that still holds example-default limits asks for the explicit confirmation.
"""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags

from core.exceptions import ApplicationError
from letters.models import LetterKind
from letters.rendering import render_html
from letters.snapshot import build_context
from policies import services
from policies.models import CONFIRMED_CERTAINTIES, Certainty, PolicyItem, PolicyVersion, StageTimeLimit
from tests.factories import make_case

pytestmark = pytest.mark.django_db

MARK = "示例默认（待核定）"


def _letter(case, kind, data=None) -> str:
    context = build_context(case=case, kind=kind, ref="t", number="怀纪容〔2026〕1号",
                            issued_on=dt.date(2026, 11, 3), data=data or {})
    return strip_tags(render_html(kind, context)).replace("\n", "")


def _ruling_data(version):
    condition = version.items.get(kind=PolicyItem.Kind.CONDITION, number=1)
    return {"result": "exempt", "reasons": "符合容错条件。", "meeting_on": "2026-11-02",
            "assessment": [{"item_id": condition.pk, "finding": "met"}]}


def test_letters_print_only_limits_from_the_text(world):
    """The factory's limits are example defaults: the clock runs them, but
    no letter states them. Once the review, verification and defence
    limits are taken from the text, the letters print them."""
    users, version = world["users"], world["policy"]
    case = make_case(applicant=users["applicant"], stage="ruled", policy_version=version)
    acceptance = _letter(case, LetterKind.ACCEPTANCE)
    ruling = _letter(case, LetterKind.RULING, _ruling_data(version))
    notice = _letter(case, LetterKind.PRELIMINARY_NOTICE, {"result": "exempt", "summary": "符合容错条件。"})
    assert "核实期限" not in acceptance and "30个工作日" not in acceptance
    # The remedy itself is printed (every case may ask once), with no limit.
    assert "可书面申请复核一次" in ruling and "15日" not in ruling and "自本认定书作出之日起" not in ruling
    # The 申辩 itself is told (the notice exists for it), with no window.
    assert "可以向本机关提出书面申辩意见" in notice
    assert "5个工作日" not in notice and "自本告知书作出之日起" not in notice

    for stage in ("verification", "review_request", "defence"):
        StageTimeLimit.objects.filter(version=version, stage=stage).update(
            certainty=Certainty.VERBATIM, source="《测试县容错纠错实施办法（试行）》第六条")
    case = make_case(applicant=users["applicant"], stage="ruled", policy_version=version)
    assert "核实期限为自受理之日起30个工作日" in _letter(case, LetterKind.ACCEPTANCE)
    assert "自本认定书作出之日起15日内" in _letter(case, LetterKind.RULING, _ruling_data(version))
    assert "自本告知书作出之日起5个工作日内" in _letter(
        case, LetterKind.PRELIMINARY_NOTICE, {"result": "exempt", "summary": "符合容错条件。"})


def test_publishing_counts_example_default_limits_as_unconfirmed(world):
    """A draft whose every item is confirmed but which still holds one
    example-default limit is refused without the confirmation, naming the
    stage; with it, the audit entry lists that limit."""
    version = world["policy"]
    admin = None
    draft = services.policy_version_create_draft_from(version=version, actor=admin,
                                                      effective_from=dt.date(2027, 1, 1))
    draft.items.update(certainty=Certainty.VERBATIM)
    draft.time_limits.exclude(stage="intake").update(certainty=Certainty.VERBATIM)
    with pytest.raises(ApplicationError) as exc:
        services.policy_version_publish(version=draft, actor=admin)
    assert exc.value.code == "unconfirmed_items"
    assert "Intake decision" in exc.value.message or "受理" in exc.value.message
    services.policy_version_publish(version=draft, actor=admin, acknowledge_unconfirmed=True)
    entry = draft.audit_entries.get(action="version_published")
    assert len(entry.data["unconfirmed_acknowledged"]) == 1


def test_shipped_limits_are_sourced_or_marked(catalogue):
    """Every time limit of every shipped version either names the text it
    comes from (verbatim or summary) or is an example default whose source
    says so; the public version page and the admin show the mark."""
    limits = StageTimeLimit.objects.select_related("version__document")
    assert limits.exists()
    for limit in limits:
        if limit.certainty in CONFIRMED_CERTAINTIES:
            assert "示例默认" not in limit.source and limit.source, limit
        else:
            assert limit.certainty == Certainty.EXAMPLE_DEFAULT and limit.source.startswith("示例默认"), limit
    version = PolicyVersion.objects.filter(document__jurisdiction__code="huailai").latest("number")
    page = Client().get(reverse("public:policy_detail", args=[version.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert html.count(MARK) == version.time_limits.filter(certainty=Certainty.EXAMPLE_DEFAULT).count() > 0


def test_admin_version_page_marks_example_defaults(admin_client, catalogue):
    version = PolicyVersion.objects.filter(document__jurisdiction__code="kunming").latest("number")
    html = admin_client.get(reverse("admin:policies_policyversion_change", args=[version.pk]),
                            HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert MARK in html
