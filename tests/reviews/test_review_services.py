"""Verification, defence, deliberation, ruling, feedback, filing and review
services: each rule and its refusal, with the history it writes."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import strip_tags
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent, Origin, Stage
from core.exceptions import ApplicationError
from deadlines.models import Clock
from deadlines.selectors import clock_list_for_case
from letters.models import Letter, LetterKind
from letters.rendering import render_html
from policies.models import PolicyItem, PolicyVersion
from reviews import services
from reviews.models import Assessment, Assignment, Meeting, Recusal, Ruling, Vote
from reviews.views import case_page_url

from .conftest import (
    accept_case,
    all_met,
    assess,
    items,
    judgements,
    pdf,
    review_members,
    to_defence,
    to_deliberation,
    to_ruled,
    vote_all,
)

pytestmark = pytest.mark.django_db


def _kinds(case):
    return list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))


class TestAssignment:
    def test_two_inspectors_assigned_and_reassignment_recorded(self, accepted, users, world):
        """A supervisor assigns two inspectors; replacing one ends the old
        assignment with its reason, and both events stay in the history."""
        services.case_assign(case=accepted, actor=users["supervisor"],
                             inspectors=[users["inspector1"], users["inspector2"]])
        from accounts.models import Membership, Role
        from tests.factories import UserFactory

        third = UserFactory(username="inspector3", org_unit=world["units"]["huailai-jw"])
        Membership.objects.create(user=third, org_unit=world["units"]["huailai"], role=Role.INSPECTOR)
        services.case_assign(case=accepted, actor=users["supervisor"], inspectors=[users["inspector1"], third],
                             reason="杨帆出差")
        active = set(Assignment.objects.filter(case=accepted, active=True).values_list("inspector__username",
                                                                                       flat=True))
        assert active == {"inspector1", "inspector3"}
        ended = Assignment.objects.get(case=accepted, inspector=users["inspector2"])
        assert ended.active is False and ended.ended_reason == "杨帆出差"
        events = CaseEvent.objects.filter(case=accepted, kind="assigned").order_by("id")
        assert [e.data["removed"] for e in events] == [[], [users["inspector2"].pk]]
        assert all(e.actor == users["supervisor"] for e in events)

    def test_at_least_two(self, accepted, users):
        """One inspector is not enough."""
        with pytest.raises(ValidationError, match="至少"):
            services.case_assign(case=accepted, actor=users["supervisor"], inspectors=[users["inspector1"]])

    def test_only_a_supervisor_assigns(self, accepted, users):
        """An inspector cannot assign himself."""
        with pytest.raises(ApplicationError) as exc:
            services.case_assign(case=accepted, actor=users["inspector1"],
                                 inspectors=[users["inspector1"], users["inspector2"]])
        assert exc.value.status_code == 403

    def test_recusal_applicant_same_unit_and_related(self, users, world):
        """Each kind of recusal is refused, and the refusal says why."""
        from accounts.models import Membership, Role

        # The applicant himself, made an inspector too.
        case = accept_case(users)
        Membership.objects.create(user=users["applicant"], org_unit=world["units"]["huailai"], role=Role.INSPECTOR)
        from accounts.models import User

        fresh = User.objects.get(pk=users["applicant"].pk)  # memberships are cached per object
        with pytest.raises(ApplicationError, match="申请人本人") as exc:
            services.case_assign(case=case, actor=users["supervisor"], inspectors=[fresh, users["inspector1"]])
        assert exc.value.extra["reason"] == "applicant"
        # A colleague in the applicant's unit.
        Membership.objects.create(user=users["unit_reviewer"], org_unit=world["units"]["huailai"],
                                  role=Role.INSPECTOR)
        colleague = User.objects.get(pk=users["unit_reviewer"].pk)
        with pytest.raises(ApplicationError, match="同一单位"):
            services.case_assign(case=case, actor=users["supervisor"], inspectors=[colleague, users["inspector1"]])
        # Marked as related.
        services.recusal_mark(case=case, actor=users["supervisor"], user=users["inspector2"], reason="其配偶在该校任职")
        with pytest.raises(ApplicationError, match="有利害关系"):
            services.case_assign(case=case, actor=users["supervisor"],
                                 inspectors=[users["inspector1"], users["inspector2"]])
        assert not Assignment.objects.filter(case=case).exists()
        assert Recusal.objects.filter(case=case, user=users["inspector2"]).exists()
        assert "recusal_marked" in _kinds(case)

    def test_related_inspector_loses_the_case(self, accepted, users, client):
        """Marking an assigned inspector as related ends his assignment and
        hides the case from him (404)."""
        services.case_assign(case=accepted, actor=users["supervisor"],
                             inspectors=[users["inspector1"], users["inspector2"]])
        services.recusal_mark(case=accepted, actor=users["supervisor"], user=users["inspector2"], reason="亲属")
        assert not Assignment.objects.filter(case=accepted, inspector=users["inspector2"], active=True).exists()
        client.force_login(users["inspector2"])
        assert client.get(f"/reviews/cases/{accepted.pk}/").status_code == 404


class TestVerification:
    def test_only_assigned_inspectors_record(self, accepted, users):
        """Before assignment no inspector may record an interview."""
        with pytest.raises(ApplicationError) as exc:
            services.interview_record(case=accepted, actor=users["inspector1"], person="张伟",
                                      held_on=dt.date(2026, 1, 6), summary="x")
        assert exc.value.status_code == 403

    def test_interview_with_record_file(self, accepted, users):
        """An interview keeps who, when, the summary and the signed record
        (stored with the case's files, locked)."""
        services.case_assign(case=accepted, actor=users["supervisor"],
                             inspectors=[users["inspector1"], users["inspector2"]])
        record = services.interview_record(case=accepted, actor=users["inspector1"], person="李明（校长）",
                                           held_on=dt.date(2026, 1, 6), summary="证实经集体研究。", file=pdf())
        assert record.attachment.original_name == "谈话笔录.pdf" and record.attachment.locked is True
        note = services.evidence_record(case=accepted, actor=users["inspector2"], kind="note", text="需调取会议记录")
        assert note.kind == "note"
        assert _kinds(accepted)[-2:] == ["interview_recorded", "evidence_recorded"]

    def test_assessment_requires_every_condition_with_reasons(self, accepted, users):
        """A condition left unanswered is refused and named."""
        services.case_assign(case=accepted, actor=users["supervisor"],
                             inspectors=[users["inspector1"], users["inspector2"]])
        first = items(accepted, "condition")[0]
        with pytest.raises(ValidationError, match="出于公心"):
            assess(accepted, users["inspector1"], conditions={str(first.pk): {"met": True, "reason": ""}})

    def test_assessment_refuses_a_contradiction_naming_both(self, accepted, users):
        """Condition 出于公心 (no private gain) met beside negative item 谋取私利
        ticked is refused, naming both; nothing is saved."""
        services.case_assign(case=accepted, actor=users["supervisor"],
                             inspectors=[users["inspector1"], users["inspector2"]])
        negative = items(accepted, "negative")[0]
        with pytest.raises(ValidationError) as exc:
            assess(accepted, users["inspector1"], negatives=[negative])
        message = " ".join(exc.value.messages)
        assert "出于公心" in message and "谋取私利" in message and "矛盾" in message
        assert not Assessment.objects.filter(case=accepted).exists()
        # Found not met, the same item may apply.
        conds = items(accepted, "condition")
        findings = {str(conds[0].pk): {"met": False, "reason": "为亲属谋利"},
                    str(conds[1].pk): {"met": True, "reason": "是"}}
        assert assess(accepted, users["inspector1"], conditions=findings, negatives=[negative])

    def test_assessment_requires_the_negative_list_reasons(self, accepted, users):
        """An empty 负面清单比对理由 is refused."""
        services.case_assign(case=accepted, actor=users["supervisor"],
                             inspectors=[users["inspector1"], users["inspector2"]])
        distinctions, factors = judgements()
        with pytest.raises(ValidationError, match="负面清单"):
            services.case_assess(case=accepted, actor=users["inspector1"], conditions=all_met(accepted),
                                 positive_item=items(accepted, "positive")[0], negative_items=[],
                                 negative_note=" ", distinctions=distinctions, factors=factors)

    def test_negative_item_blocks_exemption_and_says_which(self, accepted, users):
        """A negative-list item that applies refuses an exempt (or
        mitigated) recommendation and names the item; rejected is allowed."""
        services.case_assign(case=accepted, actor=users["supervisor"],
                             inspectors=[users["inspector1"], users["inspector2"]])
        negative = items(accepted, "negative")[1]
        assess(accepted, users["inspector1"], negatives=[negative])
        for result in ("exempt", "mitigated"):
            with pytest.raises(ApplicationError, match="屡错屡犯") as exc:
                services.case_preliminary_report(case=accepted, actor=users["inspector1"],
                                                 recommended_result=result, summary="x")
            assert exc.value.code == "result_blocked"
        accepted.refresh_from_db()
        assert accepted.stage == Stage.VERIFICATION
        services.case_preliminary_report(case=accepted, actor=users["inspector1"], recommended_result="rejected",
                                         summary="属负面清单情形。")
        accepted.refresh_from_db()
        assert accepted.stage == Stage.DEFENCE

    def test_unmet_condition_blocks_exemption_and_says_which(self, accepted, users):
        """An unmet condition refuses an exempt recommendation, naming it."""
        services.case_assign(case=accepted, actor=users["supervisor"],
                             inspectors=[users["inspector1"], users["inspector2"]])
        conds = items(accepted, "condition")
        findings = {str(conds[0].pk): {"met": True, "reason": "是"},
                    str(conds[1].pk): {"met": False, "reason": "未经集体研究"}}
        assess(accepted, users["inspector1"], conditions=findings)
        with pytest.raises(ApplicationError, match="程序合规"):
            services.case_preliminary_report(case=accepted, actor=users["inspector1"], recommended_result="exempt",
                                             summary="x")

    def test_report_stops_verification_and_opens_defence(self, accepted, users):
        """The preliminary report moves the case to defence and swaps the
        clocks."""
        to_defence(accepted, users)
        assert accepted.stage == Stage.DEFENCE
        stages = dict(Clock.objects.filter(case=accepted).values_list("stage", "status"))
        assert stages["verification"] == "stopped" and stages["defence"] == "running"


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _with_notice(case, *, confirmed: bool):
    """The case's version asks for the written 初步认定意见告知书; its
    defence limit (5 working days) is taken from the text or stays the
    factory's example default."""
    version = case.policy_version
    PolicyVersion.objects.filter(pk=version.pk).update(
        procedure={**version.procedure, "preliminary_notice": {"required": True, "source": "第十二条"}})
    if confirmed:
        version.time_limits.filter(stage="defence").update(certainty="verbatim", source="第十二条")
    case.policy_version.refresh_from_db()


def _notice_text(case) -> str:
    letter = Letter.objects.get(case=case, kind=LetterKind.PRELIMINARY_NOTICE)
    return strip_tags(render_html(LetterKind.PRELIMINARY_NOTICE, letter.context)).replace("\n", "")


class TestDefence:
    def test_defence_after_limit_refused(self, accepted, users):
        """The defence must come within its time limit (5 working days)
        taken from the jurisdiction's text."""
        accepted.policy_version.time_limits.filter(stage="defence").update(certainty="verbatim", source="第十二条")
        to_defence(accepted, users)
        due = Clock.objects.get(case=accepted, stage="defence").due_date
        with time_machine.travel(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(10), tzinfo=dt.UTC),
                                 tick=False):
            with pytest.raises(ApplicationError, match="申辩期限") as exc:
                services.case_defend(case=accepted, actor=users["applicant"], text="迟到的申辩")
            assert exc.value.code == "late"
            # Once the limit has passed, an inspector records it as waived.
            services.case_waive_defence(case=accepted, actor=users["inspector1"], reason="逾期未申辩")
        accepted.refresh_from_db()
        assert accepted.stage == Stage.DELIBERATION

    def test_confirmed_defence_limit_refuses_late_through_the_api(self, accepted, users):
        """Issue 16: a defence limit taken from the text is stated in the
        初步认定意见告知书 with its due date and refuses a 申辩 after it: the
        API answers with the service rule's message, nothing changes."""
        _with_notice(accepted, confirmed=True)
        to_defence(accepted, users)
        due = Clock.objects.get(case=accepted, stage="defence").due_date
        notice = _notice_text(accepted)
        assert "自本告知书作出之日起5个工作日内" in notice
        assert f"（至{due.year}年{due.month}月{due.day}日）" in notice
        with time_machine.travel(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(10), tzinfo=dt.UTC),
                                 tick=False):
            r = _api(users["applicant"]).post(f"/api/v1/cases/{accepted.pk}/defend/", {"text": "迟到的申辩"},
                                              format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
        body = r.json()
        assert r.status_code == 409 and body["code"] == "late", body
        assert body["detail"] == f"申辩期限已于{due.isoformat()}届满。", body
        assert Case.objects.get(pk=accepted.pk).stage == Stage.DEFENCE
        assert not accepted.defence_entries.exists()

    def test_example_default_defence_limit_does_not_shut_the_cadre_out(self, accepted, users):
        """Issue 16, as for the review window: an example-default defence
        limit runs the clock (overdue after its date) but the notice states
        no window, so a 申辩 after it is taken and the case goes on."""
        _with_notice(accepted, confirmed=False)
        assert not accepted.policy_version.time_limits.get(stage="defence").is_confirmed
        to_defence(accepted, users)
        clock = Clock.objects.get(case=accepted, stage="defence")
        notice = _notice_text(accepted)
        assert "如有异议，可以向本机关提出书面申辩意见，并提供相关证据；也可以书面放弃申辩。" in notice
        assert "自本告知书作出之日起" not in notice and "个工作日" not in notice and "（至" not in notice
        late = dt.datetime.combine(clock.due_date + dt.timedelta(days=3), dt.time(10), tzinfo=dt.UTC)
        shown = {c.stage: c for c in clock_list_for_case(case=accepted, today=late.date())}["defence"]
        assert shown.overdue and not shown.limit_confirmed  # the clock ran, marked 示例默认（待核定）
        with time_machine.travel(late, tick=False):
            r = _api(users["applicant"]).post(f"/api/v1/cases/{accepted.pk}/defend/", {"text": "逾示例期限的申辩"},
                                              format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert r.status_code == 200, r.json()
        assert r.json()["stage"] == Stage.DELIBERATION
        assert accepted.defence_entries.get().text == "逾示例期限的申辩"

    def test_inspector_cannot_waive_for_the_applicant_early(self, accepted, users):
        """Before the limit, only the applicant may waive."""
        to_defence(accepted, users)
        with pytest.raises(ApplicationError, match="只有申请人"):
            services.case_waive_defence(case=accepted, actor=users["inspector1"])
        services.case_waive_defence(case=accepted, actor=users["applicant"], reason="无异议")
        accepted.refresh_from_db()
        assert accepted.stage == Stage.DELIBERATION

    def test_testimony_and_optional_steps(self, accepted, users):
        """Testimony, a third-party assessment and a hearing are recorded
        with their documents before the ruling; not by the applicant's
        colleagues."""
        to_deliberation(accepted, users)
        services.testimony_add(case=accepted, actor=users["inspector1"], person="李明", text="证实情况属实")
        services.optional_step_record(case=accepted, actor=users["inspector1"], kind="third_party",
                                      held_on=dt.date(2026, 1, 7), body="某会计师事务所", conclusion="损失可控",
                                      file=pdf("评估报告.pdf"))
        services.optional_step_record(case=accepted, actor=users["committee1"], kind="hearing",
                                      held_on=dt.date(2026, 1, 7), body="群众代表五人", conclusion="无异议")
        assert _kinds(accepted)[-3:] == ["testimony_added", "assessment_report", "hearing"]
        with pytest.raises(ApplicationError):
            services.testimony_add(case=accepted, actor=users["unit_reviewer"], person="x", text="y")


class TestDeliberation:
    def test_quorum_required(self, accepted, users):
        """With 3 members and a 2/3 quorum, a meeting of one member is
        refused before anything is saved."""
        to_deliberation(accepted, users)
        with pytest.raises(ApplicationError, match="法定人数") as exc:
            services.meeting_record(case=accepted, actor=users["committee1"], held_on=dt.date(2026, 1, 8),
                                    members_present=[users["committee1"]])
        assert exc.value.code == "no_quorum"
        assert not Meeting.objects.filter(case=accepted).exists()

    def test_member_votes_only_for_himself(self, accepted, users):
        """A member who did not record the meeting cannot vote for another;
        the minute-taker's vote for a member waits for his confirmation and
        the ruling waits for it too."""
        to_deliberation(accepted, users)
        services.meeting_record(case=accepted, actor=users["committee1"], held_on=dt.date(2026, 1, 8),
                                members_present=[users[m] for m in ("committee1", "committee2", "committee3")])
        with pytest.raises(ApplicationError) as exc:
            services.vote_record(case=accepted, actor=users["committee2"], member=users["committee3"],
                                 result="exempt")
        assert exc.value.code == "not_own_vote"
        assert not Vote.objects.filter(member=users["committee3"]).exists()
        vote = services.vote_record(case=accepted, actor=users["committee1"], member=users["committee3"],
                                    result="exempt")
        assert vote.by_proxy and vote.confirmed_at is None and vote.recorded_by == users["committee1"]
        services.vote_record(case=accepted, actor=users["committee1"], result="exempt")
        services.vote_record(case=accepted, actor=users["committee2"], result="exempt")
        with pytest.raises(ApplicationError) as exc:
            services.case_rule(case=accepted, actor=users["committee1"], result="exempt", reasons="x")
        assert exc.value.code == "votes_unconfirmed" and "吴敏" in exc.value.message
        services.vote_confirm(case=accepted, actor=users["committee3"])
        vote.refresh_from_db()
        assert vote.confirmed_at is not None
        assert services.case_rule(case=accepted, actor=users["committee1"], result="exempt", reasons="x")
        kinds = list(accepted.events.values_list("kind", flat=True))
        assert "vote_confirmed" in kinds

    def test_member_replaces_unconfirmed_vote(self, accepted, users):
        """A member's own vote replaces one recorded for him that he has
        not confirmed; once confirmed it cannot be changed."""
        to_deliberation(accepted, users)
        services.meeting_record(case=accepted, actor=users["committee1"], held_on=dt.date(2026, 1, 8),
                                members_present=[users[m] for m in ("committee1", "committee2", "committee3")])
        services.vote_record(case=accepted, actor=users["committee1"], member=users["committee3"],
                             result="exempt")
        vote = services.vote_record(case=accepted, actor=users["committee3"], result="rejected")
        assert vote.result == "rejected" and not vote.by_proxy and vote.confirmed_at is not None
        assert Vote.objects.filter(member=users["committee3"]).count() == 1
        with pytest.raises(ApplicationError) as exc:
            services.vote_record(case=accepted, actor=users["committee3"], result="exempt")
        assert exc.value.code == "already_voted"

    def test_meeting_voided_with_reason_and_kept(self, accepted, users):
        """A wrongly recorded meeting is voided with the reason, stays in
        the record, its votes stop counting, and a new one can be held;
        a second meeting without voiding is refused."""
        to_deliberation(accepted, users)
        first = services.meeting_record(case=accepted, actor=users["committee1"], held_on=dt.date(2026, 1, 8),
                                        members_present=[users["committee1"], users["committee2"]])
        services.vote_record(case=accepted, actor=users["committee1"], result="exempt")
        with pytest.raises(ApplicationError) as exc:
            services.meeting_record(case=accepted, actor=users["committee1"], held_on=dt.date(2026, 1, 9),
                                    members_present=[users["committee1"], users["committee3"]])
        assert exc.value.code == "meeting_exists"
        with pytest.raises(ValidationError):
            services.meeting_void(case=accepted, actor=users["committee2"], reason="  ")
        services.meeting_void(case=accepted, actor=users["committee2"], reason="出席人员记录有误")
        first.refresh_from_db()
        assert first.voided_at and first.void_reason == "出席人员记录有误" and first.voided_by == users["committee2"]
        event = accepted.events.get(kind="meeting_voided")
        assert event.reason == "出席人员记录有误"
        vote_all(accepted, users)
        assert Meeting.objects.filter(case=accepted).count() == 2
        ruling = services.case_rule(case=accepted, actor=users["committee1"], result="exempt", reasons="x")
        assert ruling.meeting != first
        with pytest.raises(ApplicationError):
            services.meeting_void(case=accepted, actor=users["committee1"], reason="x")

    def test_majority_required(self, accepted, users):
        """Three present voting three ways: no result has a majority."""
        to_deliberation(accepted, users)
        vote_all(accepted, users, results=("exempt", "mitigated", "rejected"))
        with pytest.raises(ApplicationError, match="过半数") as exc:
            services.case_rule(case=accepted, actor=users["committee1"], result="exempt", reasons="x")
        assert exc.value.code == "no_majority"
        accepted.refresh_from_db()
        assert accepted.stage == Stage.DELIBERATION and not Ruling.objects.filter(case=accepted).exists()

    def test_majority_rules_and_minority_result_refused(self, accepted, users):
        """Two of three for mitigated: mitigated may be ruled, exempt not."""
        to_deliberation(accepted, users)
        vote_all(accepted, users, results=("mitigated", "mitigated", "exempt"))
        with pytest.raises(ApplicationError, match="过半数"):
            services.case_rule(case=accepted, actor=users["committee1"], result="exempt", reasons="x")
        ruling = services.case_rule(case=accepted, actor=users["committee2"], result="mitigated", reasons="从轻",
                                    mitigation="lighter")
        assert ruling.result == "mitigated" and ruling.is_current

    def test_one_vote_per_member(self, accepted, users):
        """A member cannot vote twice, by himself or through the minutes."""
        to_deliberation(accepted, users)
        vote_all(accepted, users, results=("exempt",))
        with pytest.raises(ApplicationError, match="已经表决") as exc:
            services.vote_record(case=accepted, actor=users["committee1"], result="rejected")
        assert exc.value.code == "already_voted"
        assert Vote.objects.filter(member=users["committee1"]).count() == 1

    def test_absent_member_cannot_vote(self, accepted, users):
        """Only members recorded present vote."""
        to_deliberation(accepted, users)
        services.meeting_record(case=accepted, actor=users["committee1"], held_on=dt.date(2026, 1, 8),
                                members_present=[users["committee1"], users["committee2"]])
        with pytest.raises(ApplicationError, match="出席"):
            services.vote_record(case=accepted, actor=users["committee3"], result="exempt")

    def test_ruling_sets_outcome_letter_uses_and_clocks(self, accepted, users):
        """The ruling sets the outcome, keeps its uses with durations, issues
        the ruling letter and opens the feedback, filing and review limits."""
        to_ruled(accepted, users)
        assert accepted.stage == Stage.RULED and accepted.outcome == "exempt"
        ruling = Ruling.objects.get(case=accepted)
        assert ruling.needs_correction is True
        # Exempt: no impact period, the version sets none for it.
        assert [(u.policy_item.title, u.duration_months) for u in ruling.uses.all()] == [("考核", None)]
        letter = Letter.objects.get(case=accepted, kind="ruling")
        assert letter.context["result"] == "exempt"
        assert {r["finding"] for r in letter.context["assessment"]} == {"符合", "适用"}
        running = set(Clock.objects.filter(case=accepted, status="running").values_list("stage", flat=True))
        assert running == {"feedback", "filing", "review_request"}

    def test_example_default_period_applied_only_when_typed(self, accepted, users, client):
        """Issue 16: a use whose default period the version marks as an
        example default (Kunming's six uses) gets no period unless the
        committee types one: left empty, the ruling keeps none and the 认定书
        states none; the form shows the default as a suggestion, marked.
        A default the version states is applied as before."""
        uses = items(accepted, "result_use")
        PolicyItem.objects.filter(pk=uses[0].pk).update(duration_certainty="example_default")
        to_deliberation(accepted, users)
        vote_all(accepted, users, results=("mitigated",) * 3)
        client.force_login(users["committee1"])
        page = client.get(case_page_url(accepted.pk), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "从轻减轻处理：建议12个月，填写后才适用。" in page and "示例默认（待核定）" in page
        assert "从轻减轻处理：默认12个月。" in page  # the second use, whose period is not marked
        ruling = services.case_rule(case=accepted, actor=users["committee1"], result="mitigated", reasons="从轻。",
                                    mitigation="lighter", uses=[{"item": uses[0]}, {"item": uses[1]}])
        assert [(u.policy_item_id, u.duration_months) for u in ruling.uses.order_by("policy_item__number")] == [
            (uses[0].pk, None), (uses[1].pk, 12)]
        letter = Letter.objects.get(case=accepted, kind="ruling")
        text = strip_tags(render_html(LetterKind.RULING, letter.context)).replace("\n", "")
        # (The factory's uses are example defaults: each cited with its mark.)
        assert f"1．{uses[0].text.rstrip('。')}（示例默认，待核定）。" in text
        assert f"2．{uses[1].text.rstrip('。')}（示例默认，待核定），期限为12个月。" in text

    def test_ruling_letter_states_the_facts_the_inspectors_found(self, accepted, users):
        """Issue 22: the letter's 基本事实 are the findings of the preliminary
        report and the records bearing them out, not the applicant's own
        事实与理由."""
        to_ruled(accepted, users)
        facts = Letter.objects.get(case=accepted, kind="ruling").context["facts"]
        assert facts.splitlines() == [
            "经调查核实，查明：符合容错条件。",
            "上述事实，有与张伟的谈话记录（2026年1月6日）等核实材料证实。",
        ]
        assert accepted.facts_reasons and accepted.facts_reasons not in facts

    def test_ruling_refuses_exemption_on_negative_item(self, accepted, users):
        """Even with a majority, exempt is refused when the assessment found
        a negative-list item; the committee must reject."""
        services.case_assign(case=accepted, actor=users["supervisor"],
                             inspectors=[users["inspector1"], users["inspector2"]])
        assess(accepted, users["inspector1"], negatives=[items(accepted, "negative")[1]])
        services.case_preliminary_report(case=accepted, actor=users["inspector1"], recommended_result="rejected",
                                         summary="x")
        services.case_waive_defence(case=accepted, actor=users["applicant"])
        vote_all(accepted, users, results=("exempt",) * 3)
        with pytest.raises(ApplicationError, match="屡错屡犯"):
            services.case_rule(case=accepted, actor=users["committee1"], result="exempt", reasons="x")


class TestFeedbackAndFiling:
    def test_feedback_and_filing_once_each(self, accepted, users):
        """Feedback and filing are recorded with their dates, stop their
        clocks, and cannot be recorded twice."""
        to_ruled(accepted, users)
        services.notice_record(case=accepted, actor=users["committee1"], kind="feedback",
                               done_on=timezone.localdate(), recipients="张伟、怀来县教育局")
        services.notice_record(case=accepted, actor=users["supervisor"], kind="filing",
                               recipients="张家口市纪委监委")
        with pytest.raises(ApplicationError, match="已经记录"):
            services.notice_record(case=accepted, actor=users["committee1"], kind="feedback", recipients="x")
        stopped = set(Clock.objects.filter(case=accepted, status="stopped").values_list("stage", flat=True))
        assert {"feedback", "filing"} <= stopped

    def test_applicant_cannot_record_feedback(self, accepted, users):
        """Feedback is recorded by the deciding body, not the applicant."""
        to_ruled(accepted, users)
        with pytest.raises(ApplicationError):
            services.notice_record(case=accepted, actor=users["applicant"], kind="feedback", recipients="x")


class TestReview:
    def test_review_once_by_other_members_and_replaces(self, accepted, users, world):
        """The review is decided by members who did not vote on the first
        ruling; a different result replaces the first; both stay; only once."""
        to_ruled(accepted, users, result="rejected")
        services.case_request_review(case=accepted, actor=users["applicant"], reasons="认定事实有误")
        accepted.refresh_from_db()
        assert accepted.stage == Stage.REVIEW
        others = review_members(world)
        # A member who voted on the first ruling may not sit.
        with pytest.raises(ApplicationError):
            services.meeting_record(case=accepted, actor=users["committee1"], held_on=dt.date(2026, 1, 20),
                                    members_present=[users["committee1"]])
        with pytest.raises(ApplicationError, match="孙丽"):
            services.meeting_record(case=accepted, actor=others[0], held_on=dt.date(2026, 1, 20),
                                    members_present=[others[0], users["committee1"]])
        services.meeting_record(case=accepted, actor=others[0], held_on=dt.date(2026, 1, 20),
                                members_present=others)
        for member in others:
            services.vote_record(case=accepted, actor=member, result="mitigated", opinion="应从轻")
        review = services.case_decide_review(case=accepted, actor=others[1], result="mitigated",
                                             reasons="复核认为可从轻", mitigation="lighter")
        accepted.refresh_from_db()
        first = Ruling.objects.get(case=accepted, kind="first")
        assert accepted.stage == Stage.RULED and accepted.outcome == "mitigated"
        assert review.is_current and review.review_decision == "changed" and not first.is_current
        assert Letter.objects.filter(case=accepted, kind="review_decision").exists()
        with pytest.raises(ApplicationError, match="只能申请一次"):
            services.case_request_review(case=accepted, actor=users["applicant"], reasons="再次申请")

    def test_review_upholding_keeps_first_current(self, accepted, users, world):
        """Upholding confirms the first ruling, which stays in force."""
        to_ruled(accepted, users)
        services.case_request_review(case=accepted, actor=users["applicant"], reasons="请求复核")
        others = review_members(world, n=2)
        services.meeting_record(case=accepted, actor=others[0], held_on=dt.date(2026, 1, 20),
                                members_present=others)
        for member in others:
            services.vote_record(case=accepted, actor=member, result="exempt")
        review = services.case_decide_review(case=accepted, actor=others[0], result="exempt", reasons="维持")
        first = Ruling.objects.get(case=accepted, kind="first")
        assert first.is_current and not review.is_current and review.review_decision == "upheld"

    def test_review_only_within_its_limit(self, accepted, users):
        """After the review-request limit (15 calendar days) taken from the
        jurisdiction's text the request is refused."""
        accepted.policy_version.time_limits.filter(stage="review_request").update(
            certainty="verbatim", source="第九条")
        to_ruled(accepted, users)
        due = Clock.objects.get(case=accepted, stage="review_request").due_date
        with time_machine.travel(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(10), tzinfo=dt.UTC),
                                 tick=False):
            with pytest.raises(ApplicationError, match="复核") as exc:
                services.case_request_review(case=accepted, actor=users["applicant"], reasons="x")
        assert exc.value.code == "late"
        with time_machine.travel(dt.datetime.combine(due, dt.time(10), tzinfo=dt.UTC), tick=False):
            services.case_request_review(case=accepted, actor=users["applicant"], reasons="最后一天")

    def test_example_default_review_limit_does_not_shut_the_cadre_out(self, accepted, users):
        """Issue 16: an example-default review limit runs the clock, but the
        ruling letter states no limit, so a request after its due date is
        still taken (the clock shows it overdue)."""
        assert not accepted.policy_version.time_limits.get(stage="review_request").is_confirmed
        to_ruled(accepted, users)
        due = Clock.objects.get(case=accepted, stage="review_request").due_date
        with time_machine.travel(dt.datetime.combine(due + dt.timedelta(days=5), dt.time(10), tzinfo=dt.UTC),
                                 tick=False):
            request = services.case_request_review(case=accepted, actor=users["applicant"], reasons="逾示例期限")
        assert request.pk and Case.objects.get(pk=accepted.pk).stage == Stage.REVIEW

    def test_only_the_applicant_requests(self, accepted, users):
        """The unit reviewer cannot ask for a review."""
        to_ruled(accepted, users)
        with pytest.raises(ApplicationError) as exc:
            services.case_request_review(case=accepted, actor=users["unit_reviewer"], reasons="x")
        assert exc.value.status_code == 403


class TestProactive:
    def test_inspector_opens_proactive_case(self, users, world):
        """An inspector opens a case for a cadre: numbered, at verification,
        clock running; the cadre sees it as his."""
        from cases.selectors import case_list_for_user

        case = services.case_open_proactive(
            actor=users["inspector1"], applicant=users["applicant2"], unit=world["units"]["huailai-zj"],
            title="问责调查中发现的容错情形", trigger="问责调查", matter="工程款拨付程序瑕疵",
        )
        assert case.origin == Origin.PROACTIVE and case.stage == Stage.VERIFICATION
        assert case.number.startswith("怀容〔") and case.created_by == users["inspector1"]
        assert Clock.objects.filter(case=case, stage="verification", status="running").exists()
        assert case_list_for_user(user=users["applicant2"]).filter(pk=case.pk).exists()
        assert _kinds(case) == ["proactive_opened"]
        # The opener is not a party: he may be assigned to verify it.
        services.case_assign(case=case, actor=users["supervisor"],
                             inspectors=[users["inspector1"], users["inspector2"]])
        # He is not the cadre: the defence is the cadre's alone.
        from reviews.selectors import is_applicant

        assert is_applicant(case, users["applicant2"]) and not is_applicant(case, users["inspector1"])

    def test_only_inspectors_of_the_jurisdiction(self, users, world):
        """An inspector of Kunming cannot open a case in Huailai; an
        applicant cannot open one at all."""
        for actor in ("km_inspector", "applicant"):
            with pytest.raises(ApplicationError) as exc:
                services.case_open_proactive(actor=users[actor], applicant=users["applicant2"],
                                             unit=world["units"]["huailai-zj"], title="x")
            assert exc.value.status_code == 403


class TestHistory:
    def test_every_step_is_an_event_with_its_actor(self, accepted, users, world):
        """The full path writes one event per step, each with an actor."""
        to_ruled(accepted, users)
        services.notice_record(case=accepted, actor=users["committee1"], kind="feedback", recipients="张伟")
        services.notice_record(case=accepted, actor=users["committee1"], kind="filing", recipients="上级纪委")
        services.case_request_review(case=accepted, actor=users["applicant"], reasons="请求复核")
        others = review_members(world, n=2)
        services.meeting_record(case=accepted, actor=others[0], held_on=dt.date(2026, 1, 20),
                                members_present=others)
        for member in others:
            services.vote_record(case=accepted, actor=member, result="exempt")
        services.case_decide_review(case=accepted, actor=others[0], result="exempt", reasons="维持")
        mine = [k for k in _kinds(accepted) if not k.startswith("letter_")]
        after_accept = mine[mine.index("accepted") + 1:]
        assert after_accept == [
            "assigned", "interview_recorded", "assessed", "preliminary_report", "defence_submitted",
            "meeting_recorded", "vote_cast", "vote_cast", "vote_cast", "ruled", "feedback", "filed",
            "review_requested", "meeting_recorded", "vote_cast", "vote_cast", "review_decided",
        ]
        events = CaseEvent.objects.filter(case=accepted, kind__in=after_accept)
        assert all(e.actor_id for e in events)
        moves = list(events.exclude(from_stage=models_F()).values_list("kind", "from_stage", "to_stage"))
        assert ("preliminary_report", "verification", "defence") in moves
        assert ("review_decided", "review", "ruled") in moves


def models_F():
    from django.db.models import F

    return F("to_stage")


def test_ruling_relies_on_the_assessment_by_default(users):
    """Without explicit items, the ruling relies on the assessed scenario."""
    case = to_deliberation(accept_case(users), users)
    vote_all(case, users)
    ruling = services.case_rule(case=case, actor=users["committee1"], result="exempt", reasons="符合")
    assert list(ruling.applied_items.values_list("pk", flat=True)) == [items(case, "positive")[0].pk]


def test_related_committee_member_cannot_sit(users):
    """A committee member marked as related (回避) is refused at the meeting."""
    case = to_deliberation(accept_case(users), users)
    from reviews.models import Recusal

    Recusal.objects.create(case=case, user=users["committee3"], reason="近亲属", marked_by=users["supervisor"])
    with pytest.raises(ApplicationError, match="吴敏"):
        services.meeting_record(case=case, actor=users["committee1"], held_on=dt.date(2026, 1, 8),
                                members_present=[users["committee1"], users["committee3"]])
