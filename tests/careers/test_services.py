"""Services of careers: the ruling reaches the organization department,
uses are applied, periods end by themselves, follow-ups, the accountability
decision and the revocation — each with its history event."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils.html import strip_tags

from careers import services, tasks
from careers.models import FollowUp, ResultUse
from cases.models import CaseEvent
from core.exceptions import ApplicationError
from core.history import CHAINS, chain_verify
from deadlines.models import Clock, Reminder
from deadlines.services import reminder_sweep
from letters.models import Letter
from letters.rendering import render_html
from notifications.models import Notification
from publication.models import Publication
from publication.services import publication_draft_create, publication_publish

from .conftest import RULED_ON, rule

pytestmark = pytest.mark.django_db


def kinds(case):
    return list(CaseEvent.objects.filter(case=case).order_by("id").values_list("kind", flat=True))


class TestObligationsOpen:
    def test_mitigated_ruling_reaches_the_department(self, mitigated, users):
        """Each use becomes an obligation with its period from the ruling;
        the notice letter, the recording clock, the talk and the event."""
        uses = list(ResultUse.objects.filter(case=mitigated).order_by("policy_item__number"))
        assert [(u.title, u.impact_months, u.starts_on, u.ends_on) for u in uses] == [
            ("考核", 12, RULED_ON, dt.date(2027, 1, 8)), ("选拔任用", 6, RULED_ON, dt.date(2026, 7, 8))]
        assert {u.cadre_id for u in uses} == {users["applicant"].pk}
        letter = Letter.objects.get(case=mitigated, kind="result_use_notice")
        assert letter.context["recipient"] == "中共怀来县委组织部"
        assert [u["period"] for u in letter.context["uses"]] == ["12个月", "6个月"]
        # The ruling said 减轻: the notice says so, not 从轻或减轻 (issue 16).
        text = strip_tags(render_html("result_use_notice", letter.context)).replace("\n", "")
        assert "作出认定：予以容错、减轻处理。" in text and "从轻" not in text
        stages = set(Clock.objects.filter(case=mitigated, status="running").values_list("stage", flat=True))
        assert {"result_use_record", "use_period", "followup_talk"} <= stages
        assert FollowUp.objects.get(case=mitigated).kind == "talk"
        assert kinds(mitigated).count("result_uses_sent") == 1

    def test_the_ruling_enqueues_the_hand_off_in_its_transaction(self, users, today):
        """The ruling's event reaches careers' subscriber (core.events): the
        task that sends the uses is an outbox row of the ruling's own
        transaction; running it opens the obligations."""
        from cases.models import CaseEvent
        from core.models import OutboxMessage

        case = rule(users)
        row = OutboxMessage.objects.get(task="careers.obligations_open_for_event")
        assert CaseEvent.objects.get(pk=row.args[0]).kind == "ruled"
        assert tasks.obligations_open_for_event_task(*row.args) == 2
        assert ResultUse.objects.filter(case=case).count() == 2

    def test_is_idempotent_and_the_sweep_catches_up(self, users, today):
        """The beat sweep opens a ruling nobody sent; a second run does nothing."""
        case = rule(users)
        assert services.obligations_open_sweep() == 1
        assert services.obligations_open_sweep() == 0
        assert services.obligations_open(case_id=case.pk) == []
        assert ResultUse.objects.filter(case=case).count() == 2
        assert Letter.objects.filter(case=case, kind="result_use_notice").count() == 1

    def test_exempt_ruling_has_no_impact_period(self, users, today):
        """The version sets none for an exempt ruling: no period, no clock."""
        case = rule(users, result="exempt", uses=[(1, None)])
        services.obligations_open(case_id=case.pk)
        use = ResultUse.objects.get(case=case)
        assert (use.impact_months, use.ends_on, use.period_clock_id) == (None, None, None)
        assert Letter.objects.get(case=case, kind="result_use_notice").context["uses"][0]["period"] == ""

    def test_exempt_ruling_refuses_a_period_the_version_does_not_set(self, users, today):
        with pytest.raises(ValidationError) as exc:
            rule(users, result="exempt", uses=[(1, 6)])
        assert "uses" in exc.value.message_dict


class TestUseApply:
    def test_recording_stops_the_clock_once_every_use_is_applied(self, mitigated, users, today):
        org = users["org_dept"]
        first, second = ResultUse.objects.filter(case=mitigated).order_by("policy_item__number")
        services.use_apply(obligation=first, actor=org, occasion="2026年度考核", outcome="未受影响",
                           applied_on=today, note="确定为称职等次", next_due=dt.date(2027, 1, 15))
        record = Clock.objects.get(case=mitigated, stage="result_use_record")
        assert record.status == "running"
        assert Clock.objects.get(case=mitigated, stage="use_application").due_date == dt.date(2027, 1, 15)
        services.use_apply(obligation=second, actor=org, occasion="2026年干部选拔", outcome="正常使用",
                           applied_on=today)
        record.refresh_from_db()
        assert record.status == "stopped"
        event = CaseEvent.objects.filter(case=mitigated, kind="result_use_applied").first()
        assert event.actor == org and event.data["occasion"] == "2026年度考核"
        assert chain_verify(CHAINS["cases.CaseEvent"]) is None

    @pytest.mark.parametrize("username", ["inspector1", "applicant", "km_org_dept"])
    def test_only_the_department_records(self, mitigated, users, today, username):
        use = ResultUse.objects.filter(case=mitigated).first()
        with pytest.raises(ApplicationError) as exc:
            services.use_apply(obligation=use, actor=users[username], occasion="考核", outcome="未受影响",
                               applied_on=today)
        assert exc.value.code == "permission_denied"
        assert not use.applications.exists()

    def test_bad_input_changes_nothing(self, mitigated, users, today):
        use = ResultUse.objects.filter(case=mitigated).first()
        for kwargs, field in (({"occasion": " "}, "occasion"), ({"applied_on": today + dt.timedelta(days=1)},
                              "applied_on"), ({"applied_on": RULED_ON - dt.timedelta(days=1)}, "applied_on"),
                              ({"next_due": today}, "next_due")):
            data = {"occasion": "考核", "outcome": "未受影响", "applied_on": today, **kwargs}
            with pytest.raises(ValidationError) as exc:
                services.use_apply(obligation=use, actor=users["org_dept"], **data)
            assert field in exc.value.message_dict
        assert not use.applications.exists()


class TestPeriod:
    def test_reminder_before_the_end_then_the_period_closes_itself(self, mitigated, users):
        """The real sweep: T-3 working days before 2026-07-08 the department
        is reminded; the day after the end the uses close, no escalation."""
        org = users["org_dept"]
        with time_machine.travel(dt.datetime(2026, 7, 3, 9, tzinfo=dt.UTC), tick=False):
            reminder_sweep()
        note = Notification.objects.get(recipient=org, kind="reminder:before")
        assert "2026-07-08" in note.message
        with time_machine.travel(dt.datetime(2026, 7, 9, 9, tzinfo=dt.UTC), tick=False):
            counts = reminder_sweep()
        assert counts["expired"] == 1
        ended = ResultUse.objects.get(case=mitigated, impact_months=6)
        assert ended.status == "ended" and ended.closed_at is not None
        assert ResultUse.objects.get(case=mitigated, impact_months=12).status == "active"
        period = Clock.objects.get(pk=ended.period_clock_id)
        assert period.status == "stopped"
        assert not Reminder.objects.filter(clock=period, kind__in=["escalation", "overdue"]).exists()
        assert kinds(mitigated).count("result_use_ended") == 1
        with time_machine.travel(dt.datetime(2026, 7, 10, 9, tzinfo=dt.UTC), tick=False):
            assert reminder_sweep()["expired"] == 0

    def test_overdue_recording_escalates(self, mitigated, users):
        """Unrecorded a month after the ruling reached it (2026-03-02 + 1
        month), the recording is overdue: the department and the
        supervisors hear of it."""
        with time_machine.travel(dt.datetime(2026, 4, 7, 9, tzinfo=dt.UTC), tick=False):
            reminder_sweep()
        clock = Clock.objects.get(case=mitigated, stage="result_use_record")
        reminder = Reminder.objects.get(clock=clock, kind="escalation")
        assert {users["org_dept"].pk, users["supervisor"].pk} <= set(reminder.recipients.values_list("pk", flat=True))


class TestFollowUp:
    def test_talk_then_visit(self, mitigated, users, today):
        org = users["org_dept"]
        talk = FollowUp.objects.get(case=mitigated, kind="talk")
        services.followup_record(followup=talk, actor=org, held_on=today, participants="郑琳、张伟",
                                 summary="了解思想状况，消除顾虑。")
        talk.refresh_from_db()
        assert talk.status == "done" and talk.clock.status == "stopped"
        visit = FollowUp.objects.get(case=mitigated, kind="visit")
        assert visit.clock.due_date == dt.date(2026, 9, 2)
        with pytest.raises(ValidationError, match="respected"):
            services.followup_record(followup=visit, actor=org, held_on=today, participants="郑琳",
                                     summary="回访")
        services.followup_record(followup=visit, actor=org, held_on=today, participants="郑琳",
                                 summary="工作状态良好。", uses_respected=True)
        with pytest.raises(ApplicationError) as exc:
            services.followup_record(followup=visit, actor=org, held_on=today, participants="郑琳", summary="再次")
        assert exc.value.code == "already_done"
        assert kinds(mitigated)[-2:] == ["followup_talk_recorded", "followup_visit_recorded"]


class TestAccountabilityDecision:
    def test_recorded_by_an_inspector_and_compared_with_the_ruling(self, mitigated, users, today):
        with pytest.raises(ApplicationError):
            services.accountability_decision_record(
                case=mitigated, actor=users["org_dept"], organ="县纪委", decision="reduced", form="admonition",
                decided_on=today, document_number="怀纪〔2026〕5号")
        with pytest.raises(ValidationError, match="form"):
            services.accountability_decision_record(
                case=mitigated, actor=users["inspector1"], organ="县纪委", decision="accountable",
                decided_on=today, document_number="怀纪〔2026〕5号")
        record = services.accountability_decision_record(
            case=mitigated, actor=users["inspector1"], organ="中共怀来县纪律检查委员会", decision="reduced",
            form="admonition", decided_on=today, document_number="怀纪〔2026〕5号")
        assert record.follows_ruling is True
        assert kinds(mitigated)[-1] == "accountability_decided"
        with pytest.raises(ApplicationError) as exc:
            services.accountability_decision_record(
                case=mitigated, actor=users["inspector1"], organ="县纪委", decision="exempt", decided_on=today,
                document_number="x")
        assert exc.value.code == "illegal_transition"


class TestRevocation:
    def test_revocation_withdraws_everything_and_keeps_the_history(self, mitigated, users, today):
        """撤销容错认定: letter, withdrawn uses and follow-ups, outcome
        不予容错, the live publication withdrawn, every step in the chain."""
        draft = publication_draft_create(case=mitigated, actor=users["admin"])
        publication_publish(publication=draft, actor=users["admin"])
        with pytest.raises(ApplicationError) as exc:
            services.ruling_revoke(case=mitigated, actor=users["inspector1"], held_on=today,
                                   participants="孙丽、周杰", reason="证明材料系伪造")
        assert exc.value.code == "permission_denied"
        services.ruling_revoke(case=mitigated, actor=users["committee1"], held_on=today,
                               participants="孙丽、周杰、吴敏", reason="申请所附会议纪要系事后补写。")
        mitigated.refresh_from_db()
        assert mitigated.outcome == "rejected"
        assert not mitigated.rulings.filter(is_current=True).exists()
        assert mitigated.rulings.count() == 1
        assert set(ResultUse.objects.filter(case=mitigated).values_list("status", flat=True)) == {"withdrawn"}
        assert FollowUp.objects.get(case=mitigated).status == "cancelled"
        assert not Clock.objects.filter(case=mitigated, status="running",
                                        stage__in=["use_period", "result_use_record", "followup_talk"]).exists()
        assert Publication.objects.get(pk=draft.pk).status == "withdrawn"
        letter = Letter.objects.get(case=mitigated, kind="revocation")
        assert letter.context["uses"] == ["考核", "选拔任用"]
        assert "中共怀来县委组织部" in letter.context["cc"]
        history = kinds(mitigated)
        assert history.index("result_uses_sent") < history.index("result_uses_withdrawn") < history.index(
            "ruling_revoked")
        assert chain_verify(CHAINS["cases.CaseEvent"]) is None
        with pytest.raises(ApplicationError):
            services.ruling_revoke(case=mitigated, actor=users["committee1"], held_on=today, participants="孙丽",
                                   reason="再次")
        # Accountability proceeds: the decision is expected to hold accountable.
        record = services.accountability_decision_record(
            case=mitigated, actor=users["inspector1"], organ="县纪委", decision="accountable", form="circular",
            decided_on=today, document_number="怀纪〔2026〕9号")
        assert record.follows_ruling is True
        # The sweep does not send the uses again.
        assert services.obligations_open_sweep() == 0
