"""Correction, clarification and closing: the services."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cases.models import CaseEvent, Stage
from cases.services import CLOSED, NOT_ALLOWED, case_actions_for_user
from core.exceptions import ApplicationError
from corrections import services
from corrections.models import Clarification, Correction, CorrectionFile, RectificationTask
from corrections.services import correction_next_actions
from deadlines.models import Clock
from letters.models import Letter
from policies.calendar import compute_due_date
from policies.models import StageTimeLimit

from .conftest import ACTOR, PATH, bring_to, do, make_ruled_case, pdf

pytestmark = pytest.mark.django_db

ALL_ACTIONS = list(services.ACTION_SERVICES)


def _events(case):
    return list(CaseEvent.objects.filter(case=case).order_by("id").values_list("kind", flat=True))


def _due(case, start, stage):
    limit = StageTimeLimit.objects.get(version=case.policy_version, stage=stage)
    return compute_due_date(start, limit.amount, limit.unit, start_rule=case.policy_version.start_rule).due


class TestFullPath:
    def test_five_steps_then_clarification_then_close(self, ruled, users):
        """The whole path: five steps in order (one report returned once),
        a clarification issued for the unit, the case closed with its
        mitigated outcome; every step leaves its history event."""
        before = len(_events(ruled))
        for action in ["start_correction", "send_correction_notice", "record_talk", "add_rectification_task",
                       "submit_rectification_report", "return_rectification", "submit_rectification_report",
                       "accept_rectification", "record_rule_change"]:
            do(action, ruled, users)
        ruled.refresh_from_db()
        assert ruled.stage == Stage.CLARIFICATION
        correction = Correction.objects.get(case=ruled)
        assert correction.status == Correction.Status.COMPLETED
        assert correction.notice_letter.kind == "correction_notice"
        for action in ["request_clarification", "record_clarification", "issue_clarification",
                       "record_referral", "close"]:
            do(action, ruled, users)
        ruled.refresh_from_db()
        assert ruled.stage == Stage.CLOSED
        assert ruled.outcome == "mitigated"
        assert ruled.closed_at is not None
        clarification = Clarification.objects.get(case=ruled)
        assert (clarification.status, clarification.scope, clarification.method) == ("issued", "unit", "letter")
        letter = Letter.objects.get(case=ruled, kind="clarification")
        assert letter.context["scope_label"] == "本单位"
        assert "收受供应商好处" in letter.context["findings"]
        kinds = [k for k in _events(ruled)[before:] if not k.startswith("letter_")]
        assert kinds == [
            "correction_started", "correction_notice_sent", "talk_recorded", "rectification_task_added",
            "rectification_report_submitted", "rectification_returned", "rectification_report_submitted",
            "rectification_accepted", "rule_change_recorded", "clarification_requested",
            "clarification_recorded", "clarification_issued", "referral_recorded", "case_closed",
        ]
        closed = CaseEvent.objects.get(case=ruled, kind="case_closed")
        assert (closed.from_stage, closed.to_stage, closed.actor) == ("clarification", "closed", users["inspector1"])
        started = CaseEvent.objects.get(case=ruled, kind="correction_started")
        assert (started.from_stage, started.to_stage) == ("ruled", "correction")
        assert started.data["four_forms"] == "first"
        assert not Clock.objects.filter(case=ruled).exclude(status="stopped").exists()

    def test_skip_both_then_close_keeps_exempt_outcome(self, exempt, users):
        """An exempt case: correction skipped for a reason, clarification
        skipped for a reason, closed as exempt."""
        services.correction_skip(case=exempt, actor=users["supervisor"], reason="免予问责，无需纠错。")
        exempt.refresh_from_db()
        assert exempt.stage == Stage.CLARIFICATION
        services.clarification_skip(case=exempt, actor=users["committee1"], reason="无失实举报。")
        services.correction_case_close(case=exempt, actor=users["supervisor"])
        exempt.refresh_from_db()
        assert (exempt.stage, exempt.outcome) == ("closed", "exempt")
        skip = CaseEvent.objects.get(case=exempt, kind="correction_skipped")
        assert (skip.reason, skip.from_stage, skip.to_stage) == ("免予问责，无需纠错。", "ruled", "clarification")
        assert Correction.objects.get(case=exempt).skip_reason == "免予问责，无需纠错。"
        assert Clarification.objects.get(case=exempt).skip_reason == "无失实举报。"

    def test_skip_needs_a_reason(self, exempt, users):
        """Skipping without a reason is refused and changes nothing."""
        with pytest.raises(ValidationError):
            services.correction_skip(case=exempt, actor=users["supervisor"], reason="  ")
        exempt.refresh_from_db()
        assert exempt.stage == Stage.RULED
        assert not Correction.objects.filter(case=exempt).exists()


class TestOrder:
    @pytest.mark.parametrize("action", [
        "send_correction_notice", "record_talk", "add_rectification_task", "submit_rectification_report",
        "accept_rectification", "return_rectification", "record_rule_change",
    ])
    def test_step_before_its_turn_is_refused(self, ruled, users, action):
        """Each correction step is refused (409, nothing written) until the
        step before it is recorded."""
        for step in PATH[action][:-1]:
            do(step, ruled, users)
        ruled.refresh_from_db()
        events = CaseEvent.objects.filter(case=ruled).count()
        with pytest.raises(ApplicationError) as exc:
            do(action, ruled, users)
        assert exc.value.status_code == 409
        assert CaseEvent.objects.filter(case=ruled).count() == events

    def test_each_step_once(self, ruled, users):
        """A recorded step cannot be recorded again."""
        bring_to("add_rectification_task", ruled, users)
        with pytest.raises(ApplicationError, match=str(services.STEP_DONE)):
            do("send_correction_notice", ruled, users)
        with pytest.raises(ApplicationError, match=str(services.STEP_DONE)):
            do("record_talk", ruled, users)

    def test_rules_only_after_every_task_accepted(self, ruled, users):
        """Step 5 waits for every rectification task to be accepted."""
        bring_to("record_rule_change", ruled, users)
        do("add_rectification_task", ruled, users)
        with pytest.raises(ApplicationError, match=str(services.TASKS_NOT_ACCEPTED)):
            do("record_rule_change", ruled, users)

    def test_close_only_when_correction_and_clarification_done(self, ruled, users):
        """Close is refused while the clarification is open; start and skip
        are refused once the correction is decided."""
        bring_to("record_clarification", ruled, users)
        with pytest.raises(ApplicationError, match=str(services.NOT_FINISHED)):
            do("close", ruled, users)
        ruled.refresh_from_db()
        assert ruled.stage == Stage.CLARIFICATION

    def test_not_while_a_review_is_pending(self, ruled, users):
        """A case under review (stage review) takes no correction step."""
        type(ruled).objects.filter(pk=ruled.pk).update(stage=Stage.REVIEW)
        ruled.refresh_from_db()
        for action in ("start_correction", "skip_correction"):
            with pytest.raises(ApplicationError) as exc:
                do(action, ruled, users)
            assert exc.value.code == "illegal_transition"

    def test_no_ruling_in_force(self, ruled, users):
        """Without a current ruling the correction cannot start."""
        ruled.rulings.update(is_current=False)
        with pytest.raises(ApplicationError, match=str(services.NO_RULING)):
            do("start_correction", ruled, users)

    def test_next_actions_follow_the_record(self, ruled, users):
        """The page offers exactly the next step (as the services allow)."""
        bring_to("record_talk", ruled, users)
        correction = Correction.objects.get(case=ruled)
        nxt = correction_next_actions(case=ruled, correction=correction, clarification=None, tasks=[])
        assert nxt == {"record_talk", "request_clarification"}
        assert "record_talk" in case_actions_for_user(case=ruled, user=users["inspector1"])


class TestDeadlines:
    def test_deadlines_from_the_policy(self, ruled, users):
        """The correction, rectification and clarification clocks count the
        policy version's limits in working days; a changed limit on the
        case's version is what the next task gets."""
        with time_machine.travel(dt.datetime(2026, 9, 28, 9, tzinfo=dt.UTC), tick=False):
            do("start_correction", ruled, users)
            correction_clock = Clock.objects.get(case=ruled, stage="correction")
            assert correction_clock.due_date == _due(ruled, dt.date(2026, 9, 28), "correction")
            assert correction_clock.unit == "working_day"
            do("send_correction_notice", ruled, users)
            letter = Letter.objects.get(case=ruled, kind="correction_notice")
            assert letter.context["due_on"] == correction_clock.due_date.isoformat()
            do("record_talk", ruled, users)
            task = do("add_rectification_task", ruled, users)
            # 30 working days across National Day (2026-10-01..07 off).
            assert task.clock.due_date == _due(ruled, dt.date(2026, 9, 28), "rectification")
            assert task.clock.due_date > dt.date(2026, 9, 28) + dt.timedelta(days=30 + 7 * 1)
            StageTimeLimit.objects.filter(version=ruled.policy_version, stage="rectification").update(amount=7)
            second = services.rectification_task_add(case=ruled, actor=users["inspector1"], description="建立台账")
            assert second.clock.amount == 7
            assert second.clock.due_date == _due(ruled, dt.date(2026, 9, 28), "rectification")

    def test_returned_report_gets_a_new_deadline(self, ruled, users):
        """A returned report reopens the task with a new clock counted from
        the day of the return; the old clock stays stopped in the record."""
        with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
            bring_to("return_rectification", ruled, users)
        task = RectificationTask.objects.get(correction__case=ruled)
        first_clock = task.clock
        assert first_clock.status == "stopped"  # stopped by the report
        with time_machine.travel(dt.datetime(2026, 3, 16, 9, tzinfo=dt.UTC), tick=False):
            do("return_rectification", ruled, users)
        task.refresh_from_db()
        assert task.status == "open"
        assert task.clock_id != first_clock.pk
        assert task.clock.started_on == dt.date(2026, 3, 16)
        assert task.clock.status == "running"
        assert task.clock.due_date == _due(ruled, dt.date(2026, 3, 16), "rectification")
        assert task.clock.due_date > first_clock.due_date
        event = CaseEvent.objects.get(case=ruled, kind="rectification_returned")
        assert event.reason == "缺少审批文件"
        assert event.data["due"] == task.clock.due_date.isoformat()
        clocks = Clock.objects.filter(case=ruled, stage="rectification", ref=str(task.pk))
        assert clocks.count() == 2

    def test_clarification_clock(self, ruled, users):
        """Entering clarification opens its clock; issuing stops it."""
        bring_to("issue_clarification", ruled, users)
        clock = Clock.objects.get(case=ruled, stage="clarification")
        assert clock.status == "running"
        do("issue_clarification", ruled, users)
        clock.refresh_from_db()
        assert clock.status == "stopped"


class TestCadreReport:
    @pytest.mark.parametrize("who", ["inspector1", "unit_reviewer", "applicant2", "supervisor"])
    def test_only_the_cadre_submits_his_report(self, ruled, users, who):
        """Nobody but the case's applicant may submit the rectification
        report."""
        bring_to("submit_rectification_report", ruled, users)
        with pytest.raises(ApplicationError, match=str(NOT_ALLOWED)) as exc:
            do("submit_rectification_report", ruled, users, actor=who)
        assert exc.value.status_code == 403
        assert RectificationTask.objects.get(correction__case=ruled).status == "open"

    def test_report_with_evidence(self, ruled, users):
        """The report's files are sniffed and stored with their hash; a
        file that is not an accepted type is refused and nothing is kept."""
        bring_to("submit_rectification_report", ruled, users)
        task = RectificationTask.objects.get(correction__case=ruled)
        from django.core.files.uploadedfile import SimpleUploadedFile

        with pytest.raises(ValidationError):
            services.rectification_report_submit(
                case=ruled, actor=users["applicant"], task_id=task.pk, text="报告",
                files=[SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")])
        assert not CorrectionFile.objects.filter(case=ruled).exists()
        report = services.rectification_report_submit(case=ruled, actor=users["applicant"], task_id=task.pk,
                                                      text="已整改", files=[pdf(), pdf("第二份.pdf")])
        files = list(report.files.all())
        assert [f.original_name for f in files] == ["整改证明.pdf", "第二份.pdf"]
        assert files[0].content_type == "application/pdf" and len(files[0].sha256) == 64

    def test_task_of_another_case(self, ruled, users):
        """A task id of another case is refused."""
        other = make_ruled_case(users)
        bring_to("submit_rectification_report", other, users)
        bring_to("submit_rectification_report", ruled, users)
        foreign = RectificationTask.objects.get(correction__case=other)
        with pytest.raises(ValidationError):
            services.rectification_report_submit(case=ruled, actor=users["applicant"], task_id=foreign.pk,
                                                 text="报告")


class TestClarification:
    def test_department_proposes(self, ruled, users):
        """An inspector (the handling department) proposes; the origin says
        so; the cadre may no longer request a second one."""
        do("skip_correction", ruled, users)
        services.clarification_request(case=ruled, actor=users["inspector2"], reason="举报失实")
        clarification = Clarification.objects.get(case=ruled)
        assert clarification.origin == "department"
        assert CaseEvent.objects.filter(case=ruled, kind="clarification_proposed").exists()
        with pytest.raises(ApplicationError, match=str(services.CLARIFICATION_EXISTS)):
            do("request_clarification", ruled, users)

    def test_only_untrue_points(self, ruled, users):
        """The statement states the recorded untrue points, numbered, and
        nothing else about the person; points can be added until issued."""
        bring_to("record_clarification", ruled, users)
        services.clarification_record(case=ruled, actor=users["inspector1"], points=[
            {"allegation": "收受供应商好处", "finding": "未发现收受好处的事实"},
            {"allegation": "", "finding": ""},
        ])
        services.clarification_record(case=ruled, actor=users["inspector1"], points=[
            {"allegation": "虚报工程量", "finding": "工程量经审计属实"}])
        with pytest.raises(ValidationError):
            services.clarification_record(case=ruled, actor=users["inspector1"],
                                          points=[{"allegation": "只有举报内容", "finding": ""}])
        do("issue_clarification", ruled, users)
        findings = Letter.objects.get(case=ruled, kind="clarification").context["findings"]
        assert findings.splitlines() == [
            "1. 关于反映“收受供应商好处”的问题。经核实，未发现收受好处的事实",
            "2. 关于反映“虚报工程量”的问题。经核实，工程量经审计属实",
        ]
        with pytest.raises(ApplicationError, match=str(services.CLARIFICATION_DONE)):
            do("record_clarification", ruled, users)

    def test_scope_and_method_validated(self, ruled, users):
        """Unknown scope or method is refused."""
        bring_to("issue_clarification", ruled, users)
        with pytest.raises(ValidationError):
            services.clarification_issue(case=ruled, actor=users["inspector1"], scope="world", method="letter")
        with pytest.raises(ValidationError):
            services.clarification_issue(case=ruled, actor=users["inspector1"], scope="unit", method="tv")

    def test_referral_once(self, ruled, users):
        """A referral is recorded once, after the untrue points."""
        bring_to("record_referral", ruled, users)
        do("record_referral", ruled, users)
        with pytest.raises(ApplicationError, match=str(services.REFERRAL_EXISTS)):
            do("record_referral", ruled, users)
        assert Clarification.objects.get(case=ruled).referred_to == "县纪委案件监督管理室"

    def test_referral_input_refused_with_every_field_named(self, ruled, users):
        """core.referrals (shared with the stand-alone clarification case):
        both fields required at once, no future date, at most 200
        characters for whom; nothing is written."""
        bring_to("record_referral", ruled, users)
        refer = services.clarification_referral_record
        with pytest.raises(ValidationError) as missing:
            refer(case=ruled, actor=users["inspector1"], referred_to=" ", facts="")
        assert set(missing.value.message_dict) == {"referred_to", "facts"}
        with pytest.raises(ValidationError) as future:
            refer(case=ruled, actor=users["inspector1"], referred_to="县公安局", facts="捏造事实",
                  referred_on=dt.date.today() + dt.timedelta(days=2))
        assert set(future.value.message_dict) == {"referred_on"}
        with pytest.raises(ValidationError) as long:
            refer(case=ruled, actor=users["inspector1"], referred_to="局" * 201, facts="捏造事实")
        assert set(long.value.message_dict) == {"referred_to"}
        assert not Clarification.objects.get(case=ruled).referred_on
        assert "referral_recorded" not in _events(ruled)


class TestClosed:
    @pytest.mark.parametrize("action", ALL_ACTIONS)
    def test_closed_case_refuses_every_change(self, ruled, users, action):
        """Once closed, every action is refused with the closed message,
        whoever asks, and nothing is written."""
        bring_to("close", ruled, users)
        do("close", ruled, users)
        ruled.refresh_from_db()
        events = CaseEvent.objects.filter(case=ruled).count()
        with pytest.raises(ApplicationError, match=str(CLOSED)) as exc:
            do(action, ruled, users)
        assert exc.value.code == "closed"
        assert CaseEvent.objects.filter(case=ruled).count() == events
        # careers' steps stay open on a closed case by design (the organ's
        # accountability decision comes after the ruling; a ruling obtained
        # by fraud is revoked whenever found out): none of them is a
        # correction step.
        offered = case_actions_for_user(case=ruled, user=users[ACTOR[action]])
        assert [a for a in offered if a not in ("record_accountability_decision", "revoke_ruling")] == []
