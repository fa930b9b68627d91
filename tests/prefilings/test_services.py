import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import ApplicationError
from letters.models import Letter
from notifications.models import Notification
from prefilings import services
from prefilings.models import EarlyWarning, PreFiling, PreFilingEvent

from .conftest import FRIDAY, MONDAY, RISKS, at, make_draft

S = PreFiling.Status


class TestPreFilingDraft:
    def test_create_needs_a_role_in_the_unit(self, users, units):
        """Only an applicant or unit reviewer of the unit may file for it."""
        with pytest.raises(ApplicationError, match="only for a unit where you hold"):
            services.prefiling_create(actor=users["applicant"], unit=units["huailai-zj"], title="试点")
        with pytest.raises(ApplicationError):
            services.prefiling_create(actor=users["inspector1"], title="试点")

    def test_create_fixes_unit_jurisdiction_and_policy(self, draft, world):
        """A draft belongs to the filer's unit, its jurisdiction and the policy in force."""
        assert draft.status == S.DRAFT
        assert draft.unit == world["units"]["huailai-edu"]
        assert draft.jurisdiction == world["units"]["huailai"]
        assert draft.policy_version == world["policy"]
        assert draft.risks == RISKS
        assert draft.procedures["collective_decision"] == {"done": True, "note": "2026年1月5日局党组会集体研究"}
        assert draft.number == ""

    def test_submit_refuses_an_incomplete_draft(self, users):
        """Missing risks, period and procedure documents are listed; nothing changes."""
        filing = services.prefiling_create(actor=users["applicant"], title="试点",
                                           procedures={"hearing": {"done": True}})
        with pytest.raises(ApplicationError) as exc:
            services.prefiling_submit(filing=filing, actor=users["applicant"])
        missing = exc.value.extra["missing"]
        assert "at least one risk foreseen, with its control" in missing
        assert "the period" in missing
        assert any("Hearing or public notice" in m for m in missing)
        filing.refresh_from_db()
        assert filing.status == S.DRAFT

    def test_period_must_end_after_start(self, users):
        """A period ending before it starts is invalid input."""
        with pytest.raises(ValidationError):
            services.prefiling_create(actor=users["applicant"], title="试点", period_start=dt.date(2026, 3, 1),
                                      period_end=dt.date(2026, 2, 1))

    def test_control_without_risk_is_refused(self, users):
        """Each structured row needs its risk."""
        with pytest.raises(ValidationError):
            services.prefiling_create(actor=users["applicant"], title="试点", risks=[{"risk": "", "control": "x"}])


class TestPreFilingReview:
    def test_submit_opens_the_one_working_day_review(self, submitted):
        """Submitted on a Friday, the review (1 working day, Songming rule) is due on Monday."""
        assert submitted.status == S.SUBMITTED
        assert submitted.review_due == MONDAY
        assert submitted.next_due == MONDAY
        assert submitted.review_due_flagged is False
        assert all(a.locked for a in submitted.attachments.all())

    def test_review_limit_comes_from_the_policy(self, users, world):
        """Another policy value changes the due date: it is not hard-coded."""
        world["policy"].time_limits.filter(stage="prefiling_review").update(amount=3)
        filing = make_draft(users["applicant"])
        with at(FRIDAY):
            services.prefiling_submit(filing=filing, actor=users["applicant"])
        filing.refresh_from_db()
        assert filing.review_due == dt.date(2026, 1, 14)

    def test_supplement_stops_and_restarts_the_review(self, submitted, users):
        """Asking for more clears the due date; the answer gives the full limit again."""
        services.prefiling_request_supplement(filing=submitted, actor=users["intake"], missing="补充专家论证意见")
        submitted.refresh_from_db()
        assert submitted.status == S.SUPPLEMENT
        assert submitted.review_due is None and submitted.next_due is None
        with at(dt.date(2026, 1, 13)):
            services.prefiling_supplement(filing=submitted, actor=users["applicant"], answer="已补充")
        submitted.refresh_from_db()
        assert submitted.status == S.SUBMITTED
        assert submitted.review_due == dt.date(2026, 1, 14)

    def test_register_allocates_gapless_numbers_and_issues_the_letter(self, users):
        """Numbers run per jurisdiction and year (怀容备〔2026〕第0001号, 0002); a pending letter is made."""
        first, second = make_draft(users["applicant"]), make_draft(users["applicant"], title="第二项改革")
        with at(FRIDAY):
            for f in (first, second):
                services.prefiling_submit(filing=f, actor=users["applicant"])
            services.prefiling_register(filing=first, actor=users["intake"], report_interval_days=30)
            services.prefiling_register(filing=second, actor=users["intake"])
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.number == "怀容备〔2026〕第0001号"
        assert second.number == "怀容备〔2026〕第0002号"
        # Default interval: the policy's progress_report limit (30 calendar days in the test policy).
        assert second.report_interval_days == 30
        letter = Letter.objects.get(prefiling=first)
        assert letter.status == Letter.Status.PENDING
        assert letter.number == "怀纪容〔2026〕1号"
        assert letter.context["measure"] == first.title
        assert letter.context["case"]["number"] == first.number
        assert "供餐企业资质不足" in letter.context["risks"]

    def test_register_starts_the_report_clock_at_the_period_start(self, registered):
        """30 days after 1 February (the start day not counted): due 3 March 2026."""
        assert registered.status == S.REGISTERED
        assert registered.next_report_due == dt.date(2026, 3, 3)
        assert registered.next_due == dt.date(2026, 3, 3)
        event = registered.events.get(kind="registered")
        assert event.data["in_time"] is True
        assert event.actor.username == "intake"

    def test_only_intake_of_the_jurisdiction_decides(self, submitted, users):
        """The filer, an inspector and Kunming's intake are refused (403)."""
        for name in ("applicant", "inspector1", "km_intake"):
            with pytest.raises(ApplicationError) as exc:
                services.prefiling_register(filing=submitted, actor=users[name])
            assert exc.value.status_code == 403
        submitted.refresh_from_db()
        assert submitted.status == S.SUBMITTED and submitted.number == ""

    def test_refuse_needs_reasons_and_closes(self, submitted, users):
        """A refusal without reasons is invalid; with reasons the filing is refused."""
        with pytest.raises(ValidationError):
            services.prefiling_refuse(filing=submitted, actor=users["intake"], reason=" ")
        services.prefiling_refuse(filing=submitted, actor=users["intake"], reason="不属于改革创新事项")
        submitted.refresh_from_db()
        assert submitted.status == S.REFUSED
        with pytest.raises(ApplicationError) as exc:
            services.prefiling_register(filing=submitted, actor=users["intake"])
        assert exc.value.status_code == 409


class TestProgressAndWarning:
    def test_realised_risk_raises_an_early_warning_for_inspectors(self, registered, users, eager_celery,
                                                                  django_capture_on_commit_callbacks):
        """A report marking a risk realised opens a warning and notifies the inspectors."""
        with at(dt.date(2026, 2, 20)), django_capture_on_commit_callbacks(execute=True):
            report = services.prefiling_report_progress(
                filing=registered, actor=users["applicant"], summary="三所学校已试运行",
                risks=[{"risk": 0, "realised": True, "note": "一家企业被查出证照过期"}, {"risk": 1, "realised": False}])
        assert report.any_realised is True
        warning = EarlyWarning.objects.get(prefiling=registered)
        assert warning.source == EarlyWarning.Source.RISK_REALISED and warning.status == "open"
        assert "供餐企业资质不足" in warning.description
        registered.refresh_from_db()
        assert registered.next_report_due == dt.date(2026, 3, 23)
        notified = set(Notification.objects.filter(kind="prefiling:warning_raised").values_list(
            "recipient__username", flat=True))
        assert {"inspector1", "inspector2"} <= notified
        assert "applicant" in notified  # the unit hears of it too; the actor of the report is the system

    def test_report_must_answer_every_risk(self, registered, users):
        """A report silent on a declared risk is refused."""
        with pytest.raises(ValidationError):
            services.prefiling_report_progress(filing=registered, actor=users["applicant"], summary="进展",
                                               risks=[{"risk": 0, "realised": False}])

    def test_only_an_inspector_resolves_a_warning(self, registered, users):
        """The unit cannot close its own warning; an inspector records the talk."""
        services.prefiling_report_progress(filing=registered, actor=users["applicant"], summary="进展",
                                           risks=[{"risk": 0, "realised": True}, {"risk": 1, "realised": False}])
        warning = EarlyWarning.objects.get(prefiling=registered)
        with pytest.raises(ApplicationError):
            services.early_warning_resolve(warning=warning, actor=users["applicant"], resolution="guidance",
                                           note="自查")
        services.early_warning_resolve(warning=warning, actor=users["inspector1"], resolution="reminder_talk",
                                       note="约谈分管副局长，要求重新核查供餐企业资质")
        warning.refresh_from_db()
        assert warning.status == "resolved" and warning.resolved_by == users["inspector1"]
        # None open any more: the step is not ready (its declaration); with
        # another one open it is "already resolved" (tests/prefilings/test_steps.py).
        with pytest.raises(ApplicationError, match="no open early warning"):
            services.early_warning_resolve(warning=warning, actor=users["inspector2"], resolution="guidance",
                                           note="再次")

    def test_evaluation_closes_the_filing(self, registered, users):
        """The evaluation closes the filing and stops its reminders."""
        services.prefiling_evaluate(filing=registered, actor=users["applicant"], outcome="试点成功",
                                    lessons="资质审核要前置", rules_improved="修订供餐企业准入办法")
        registered.refresh_from_db()
        assert registered.status == S.CLOSED
        assert registered.next_due is None and registered.evaluation.lessons == "资质审核要前置"
        with pytest.raises(ApplicationError):
            services.prefiling_report_progress(filing=registered, actor=users["applicant"], summary="x", risks=[])


class TestHistory:
    def test_history_is_complete(self, registered, users, django_assert_num_queries):
        """Every step leaves one event, in order, with actor and statuses."""
        services.prefiling_report_progress(filing=registered, actor=users["applicant"], summary="进展",
                                           risks=[{"risk": 0, "realised": True}, {"risk": 1, "realised": False}])
        warning = registered.warnings.get()
        services.early_warning_resolve(warning=warning, actor=users["inspector1"], resolution="guidance",
                                       note="指导完善")
        services.prefiling_evaluate(filing=registered, actor=users["applicant"], outcome="完成", lessons="经验")
        kinds = list(PreFilingEvent.objects.filter(prefiling=registered).values_list("kind", "from_status",
                                                                                    "to_status"))
        assert [k for k, *_ in kinds] == [
            "created", "attachment_added", "attachment_added", "attachment_added", "submitted", "registered",
            "letter_issued", "progress_reported", "warning_raised", "warning_resolved", "evaluated",
        ]
        assert ("submitted", "draft", "submitted") in kinds
        assert ("registered", "submitted", "registered") in kinds
        assert ("evaluated", "registered", "closed") in kinds


class TestFilesAndLetterFailure:
    def test_draft_files_can_be_removed_submitted_ones_cannot(self, users):
        """A draft's file is removed; after submission files are locked."""
        from prefilings.models import PreFilingAttachment

        from .conftest import pdf

        filing = make_draft(users["applicant"])
        extra = services.prefiling_attachment_add(filing=filing, actor=users["applicant"], file=pdf("多余.pdf"))
        services.prefiling_attachment_delete(attachment=extra, actor=users["applicant"])
        assert not PreFilingAttachment.objects.filter(pk=extra.pk).exists()
        services.prefiling_submit(filing=filing, actor=users["applicant"])
        locked = filing.attachments.first()
        with pytest.raises(ApplicationError, match="cannot be changed or removed"):
            services.prefiling_attachment_delete(attachment=locked, actor=users["applicant"])

    def test_content_is_sniffed_not_the_name(self, draft, users):
        """A text file named .pdf is refused."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        fake = SimpleUploadedFile("伪装.pdf", b"just text", content_type="application/pdf")
        with pytest.raises(ValidationError):
            services.prefiling_attachment_add(filing=draft, actor=users["applicant"], file=fake)

    def test_failed_render_is_recorded_once(self, registered):
        """A final render failure marks the letter failed with one history event."""
        letter = Letter.objects.get(prefiling=registered)
        from letters.services import letter_mark_failed

        letter_mark_failed(letter_id=letter.pk, error="template error")
        letter_mark_failed(letter_id=letter.pk, error="again")
        letter.refresh_from_db()
        # Failed once (one event); the latest error is what the page shows.
        assert letter.status == "failed" and letter.error == "again"
        assert registered.events.filter(kind="letter_failed").count() == 1
