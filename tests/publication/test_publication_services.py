"""Publication services: drafts generated from the case with personal data
hidden, the leak check (text and PDF), publishing now or on schedule, and
withdrawal."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import CaseEvent, Stage
from core.exceptions import ApplicationError
from policies.models import PolicyItem
from publication import services
from publication.models import Publication, PublicationEventKind, PublicationLog
from publication.redaction import BLOCK
from publication.tasks import publication_publish_due_task

from .conftest import ADDRESS, ID_NUMBER, PHONE, bring_to_verification, pdf, rule, text_pdf

pytestmark = pytest.mark.django_db


class TestPublicationDraftCreate:
    def test_generates_text_from_the_case_and_hides_personal_data(self, ruled_case, users):
        """The draft holds the result, the items relied on (number and
        title) and the facts; the name, user name, ID number, phone and the
        address found in the text are hidden by default."""
        p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        assert p.status == Publication.Status.DRAFT
        assert "予以容错" in p.body
        assert "容错情形第1条：改革创新" in p.body
        assert "容错条件第1条：出于公心" in p.body
        assert "先行先试采购方式" in p.body
        terms = {t["term"]: t["source"] for t in p.default_terms}
        assert terms["张伟"] == "name"
        assert terms["applicant"] == "username"
        assert terms[ID_NUMBER] == "id_number"
        assert terms[PHONE] == "phone"
        assert any(ADDRESS in t and s == "address" for t, s in terms.items())
        assert p.result == "exempt" and p.decided_on == dt.date(2026, 3, 2)
        assert [s.title for s in p.scenarios.all()] == ["改革创新"]
        assert PublicationLog.objects.filter(publication=p, action="drafted", actor=users["admin"]).exists()

    def test_only_an_admin_of_the_jurisdiction(self, ruled_case, users):
        """Intake staff may not publish; nothing is created."""
        with pytest.raises(ApplicationError, match=str(services.NOT_ADMIN)):
            services.publication_draft_create(case=ruled_case, actor=users["intake"])
        assert not Publication.objects.exists()

    def test_only_after_a_ruling(self, users, identified):
        """A case still in verification cannot be published."""
        case = bring_to_verification(users)
        with pytest.raises(ApplicationError, match=str(services.NOT_RULED)):
            services.publication_draft_create(case=case, actor=users["admin"])

    def test_one_live_publication_per_case(self, ruled_case, users):
        """A second draft is refused while one is live."""
        services.publication_draft_create(case=ruled_case, actor=users["admin"])
        with pytest.raises(ApplicationError, match=str(services.ALREADY_EXISTS)):
            services.publication_draft_create(case=ruled_case, actor=users["admin"])

    def test_unit_name_hidden_when_the_disclosure_scope_says_so(self, ruled_case, users):
        """A disclosure-scope item asking to hide the unit makes the unit
        name a hidden term; without it the unit name stays."""
        p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        assert p.redact_unit is False
        assert "怀来县教育局" in services.publication_preview(publication=p, actor=users["admin"]).redacted_text
        # Out of the way without deleting it (its log is append-only).
        type(p).objects.filter(pk=p.pk).update(status="withdrawn")
        PolicyItem.objects.create(
            version=ruled_case.policy_version, kind=PolicyItem.Kind.DISCLOSURE_SCOPE, number=1,
            title="向社会公开", text="经审核后向社会公开认定结果，隐去姓名和单位名称。", source="测试",
        )
        p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        assert p.redact_unit is True
        preview = services.publication_preview(publication=p, actor=users["admin"])
        assert "怀来县教育局" not in preview.redacted_text
        assert {"term": "怀来县教育局", "source": "unit"} in [
            {"term": t["term"], "source": t["source"]} for t in preview.terms
        ]


class TestPreviewAndLeakCheck:
    def test_preview_marks_every_redaction(self, ruled_case, users):
        """Each hidden occurrence is a marked segment carrying its term;
        the redacted text has blocks where the terms were."""
        p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        services.publication_update(publication=p, actor=users["admin"], extra_terms=["李明"],
                                    body=p.body + "\n证人李明。")
        p.refresh_from_db()
        preview = services.publication_preview(publication=p, actor=users["admin"])
        hidden = [term for _piece, term in preview.body if term]
        assert "张伟" in hidden and PHONE in hidden and "李明" in hidden
        for secret in ("张伟", PHONE, "李明", ADDRESS):
            assert secret not in preview.redacted_text
        assert BLOCK in preview.redacted_text
        assert preview.leaks == []

    def test_leak_in_text_blocks_publication_and_says_where(self, ruled_case, users):
        """A name written with a middle dot escapes literal redaction but not
        the leak check: publishing is refused, naming the field, the term
        and the text around it, and nothing changes."""
        p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        services.publication_update(publication=p, actor=users["admin"], body=p.body + "\n经办：张·伟。")
        with pytest.raises(ApplicationError) as exc:
            services.publication_publish(publication=p, actor=users["admin"])
        assert exc.value.code == "leak_found"
        leaks = exc.value.extra["leaks"]
        assert leaks[0]["term"] == "张伟" and leaks[0]["where"] == "正文"
        assert "经办：张·伟" in leaks[0]["context"]
        assert "张伟" in exc.value.message
        p.refresh_from_db()
        assert p.status == Publication.Status.DRAFT and p.published_at is None and p.published_text == ""

    def test_leak_check_finds_an_added_term_written_differently(self, ruled_case, users):
        """A term the admin added is checked too, whatever the spacing and
        full-width forms (１２ = 12)."""
        p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        p = services.publication_update(publication=p, actor=users["admin"], extra_terms=["工号12"],
                                    body=p.body + "\n其工号 １２。")
        leaks = services.publication_preview(publication=p, actor=users["admin"]).leaks
        assert [leak["term"] for leak in leaks] == ["工号12"]
        assert leaks[0]["source"] == "added"

    def test_leak_in_attached_pdf_blocks_publication(self, ruled_case, users):
        """The attached PDF is read with pdftotext: the applicant's name and
        ID number in it block publication, with the page named."""
        p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        services.publication_update(publication=p, actor=users["admin"],
                                    pdf=text_pdf(f"附件：申请人张伟，身份证号{ID_NUMBER}"))
        with pytest.raises(ApplicationError) as exc:
            services.publication_publish(publication=p, actor=users["admin"])
        found = {(leak["term"], leak["source"]) for leak in exc.value.extra["leaks"]}
        assert ("张伟", "name") in found and (ID_NUMBER, "id_number") in found
        assert all("PDF" in leak["where"] for leak in exc.value.extra["leaks"])
        p.refresh_from_db()
        assert p.status == Publication.Status.DRAFT

    def test_clean_pdf_passes_and_unreadable_pdf_blocks(self, ruled_case, users):
        """A PDF with text and no personal data passes; a PDF without a text
        layer cannot be checked and is refused."""
        p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        p = services.publication_update(publication=p, actor=users["admin"], pdf=text_pdf("认定结论：予以容错。"))
        assert services.publication_preview(publication=p, actor=users["admin"]).leaks == []
        p = services.publication_update(publication=p, actor=users["admin"], pdf=pdf())
        leaks = services.publication_preview(publication=p, actor=users["admin"]).leaks
        assert leaks and leaks[0]["source"] == "pdf"

    def test_only_pdf_files_attach(self, ruled_case, users):
        """Anything that is not a PDF is refused."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        with pytest.raises(ValidationError):
            services.publication_update(publication=p, actor=users["admin"],
                                        pdf=SimpleUploadedFile("x.pdf", b"<html>", content_type="application/pdf"))


class TestPublish:
    def test_publish_now_freezes_the_redacted_text(self, ruled_case, users):
        """Publishing stores the redacted title and text, records the event
        in the case history and the publication's log."""
        p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        p = services.publication_publish(publication=p, actor=users["admin"])
        assert p.status == Publication.Status.PUBLISHED and p.published_at is not None
        for secret in ("张伟", ID_NUMBER, PHONE, ADDRESS, "applicant"):
            assert secret not in p.published_text and secret not in p.published_title
        assert "予以容错" in p.published_text
        assert CaseEvent.objects.filter(case=ruled_case, kind=PublicationEventKind.PUBLISHED,
                                        actor=users["admin"]).count() == 1

    def test_published_is_no_longer_editable(self, ruled_case, users):
        """Edits after publication are refused."""
        p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        services.publication_publish(publication=p, actor=users["admin"])
        with pytest.raises(ApplicationError, match=str(services.NOT_EDITABLE)):
            services.publication_update(publication=p, actor=users["admin"], body="新的文字")

    def test_publish_at_must_be_in_the_future(self, ruled_case, users):
        """A past time is refused."""
        p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        with pytest.raises(ValidationError):
            services.publication_publish(publication=p, actor=users["admin"],
                                         publish_at=timezone.now() - dt.timedelta(hours=1))

    def test_scheduled_publication_goes_out_once_at_its_time(self, ruled_case, users):
        """Scheduled for 10:00: the sweep at 09:59 does nothing; at 10:01 it
        publishes; a second sweep (a retried or overlapping beat) does not
        publish again: one log row, one history event."""
        tz = timezone.get_current_timezone()
        with time_machine.travel(dt.datetime(2026, 4, 1, 9, 0, tzinfo=tz), tick=False):
            p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
            p = services.publication_publish(publication=p, actor=users["admin"],
                                             publish_at=dt.datetime(2026, 4, 1, 10, 0, tzinfo=tz))
            assert p.status == Publication.Status.SCHEDULED
        with time_machine.travel(dt.datetime(2026, 4, 1, 9, 59, tzinfo=tz), tick=False):
            assert publication_publish_due_task() == 0
        p.refresh_from_db()
        assert p.status == Publication.Status.SCHEDULED
        with time_machine.travel(dt.datetime(2026, 4, 1, 10, 1, tzinfo=tz), tick=False):
            assert publication_publish_due_task() == 1
            assert publication_publish_due_task() == 0
        p.refresh_from_db()
        assert p.status == Publication.Status.PUBLISHED
        assert p.published_at == dt.datetime(2026, 4, 1, 10, 1, tzinfo=tz)
        assert PublicationLog.objects.filter(publication=p, action="published").count() == 1
        assert CaseEvent.objects.filter(case=ruled_case, kind=PublicationEventKind.PUBLISHED).count() == 1

    def test_scheduled_publication_rechecked_at_its_time(self, ruled_case, users, identified):
        """If identifying data appears before the time (the applicant's
        phone changed to one in the text), the sweep sends it back to draft
        instead of publishing."""
        p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        services.publication_update(publication=p, actor=users["admin"], body=p.body + "\n办公电话13900001111。",
                                    extra_terms=[])
        p.default_terms = [t for t in p.default_terms if t["term"] != "13900001111"]
        p.save(update_fields=["default_terms"])
        p = services.publication_publish(publication=p, actor=users["admin"],
                                         publish_at=timezone.now() + dt.timedelta(minutes=5))
        identified.phone = "13900001111"
        identified.save(update_fields=["phone"])
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=10), tick=False):
            assert publication_publish_due_task() == 0
        p.refresh_from_db()
        assert p.status == Publication.Status.DRAFT
        assert PublicationLog.objects.filter(publication=p, action="blocked").exists()


class TestWithdraw:
    def test_withdraw_needs_a_reason_and_records_it(self, ruled_case, users):
        """Without a reason it is refused; with one the publication is
        withdrawn and the history says so."""
        p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        services.publication_publish(publication=p, actor=users["admin"])
        with pytest.raises(ValidationError):
            services.publication_withdraw(publication=p, actor=users["admin"], reason=" ")
        p = services.publication_withdraw(publication=p, actor=users["admin"], reason="当事人申请复核")
        assert p.status == Publication.Status.WITHDRAWN and p.withdrawn_at is not None
        event = CaseEvent.objects.get(case=ruled_case, kind=PublicationEventKind.WITHDRAWN)
        assert event.reason == "当事人申请复核"

    def test_draft_cannot_be_withdrawn(self, ruled_case, users):
        """Only published or scheduled publications can be withdrawn."""
        p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        with pytest.raises(ApplicationError) as exc:
            services.publication_withdraw(publication=p, actor=users["admin"], reason="x")
        assert exc.value.code == "illegal_transition"

    def test_after_withdrawal_a_new_draft_may_follow(self, ruled_case, users):
        """The withdrawn publication stays on record beside a new draft."""
        p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        services.publication_publish(publication=p, actor=users["admin"])
        services.publication_withdraw(publication=p, actor=users["admin"], reason="更正")
        again = services.publication_draft_create(case=ruled_case, actor=users["admin"])
        assert again.pk != p.pk and Publication.objects.filter(case=ruled_case).count() == 2


def test_closed_case_can_be_published(users, identified):
    """A case closed after its ruling can still be published."""
    case = bring_to_verification(users)
    rule(case, users, result="rejected", stage=Stage.CLOSED)
    p = services.publication_draft_create(case=case, actor=users["admin"])
    assert "不予容错" in p.body and p.result == "rejected"


def test_withdrawn_schedule_never_goes_out(ruled_case, users):
    """A scheduled publication withdrawn before its time is not published
    by the sweep, and its public page stays a 404."""
    from django.test import Client

    p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
    p = services.publication_publish(publication=p, actor=users["admin"],
                                     publish_at=timezone.now() + dt.timedelta(minutes=5))
    services.publication_withdraw(publication=p, actor=users["admin"], reason="暂缓公开")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10), tick=False):
        assert publication_publish_due_task() == 0
    p.refresh_from_db()
    assert p.status == Publication.Status.WITHDRAWN and p.published_at is None
    assert Client().get(f"/public/outcomes/{p.slug}/").status_code == 404
    assert not CaseEvent.objects.filter(case=ruled_case, kind__startswith="publication_").exists()


def test_unknown_clarification_is_refused(ruled_case, users):
    """A clarification publication needs an issued public-scope
    clarification of the case (from the corrections app)."""
    with pytest.raises(ApplicationError, match=str(services.CLARIFICATION_UNKNOWN)):
        services.publication_draft_create(case=ruled_case, actor=users["admin"], kind="clarification",
                                          clarification_id=999999)
