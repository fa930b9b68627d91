"""Admin: published versions read-only and refused, publish / copy /
compare, calendar screens with bad input refused."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from policies import services
from policies.models import CalendarDay, CalendarYear, PolicyAuditEntry, PolicyVersion

pytestmark = pytest.mark.django_db


def _version_post(version, **overrides):
    data = {
        "document": version.document_id, "number": version.number,
        "effective_from": version.effective_from.isoformat(), "effective_to": "",
        "start_rule": version.start_rule, "quorum_numerator": 2, "quorum_denominator": 3,
        "notes": "changed", "_save": "Save",
    }
    for prefix, qs in (("items", version.items.all()), ("time_limits", version.time_limits.all())):
        rows = list(qs)
        data.update({f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": len(rows),
                     f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000})
        for i, row in enumerate(rows):
            data[f"{prefix}-{i}-id"] = row.pk
            data[f"{prefix}-{i}-version"] = version.pk
            if prefix == "items":
                data.update({f"{prefix}-{i}-{f}": getattr(row, f) or "" for f in
                             ("kind", "number", "title", "text", "source", "certainty", "duration_certainty")})
                data[f"{prefix}-{i}-default_duration_months"] = row.default_duration_months or ""
            else:
                data.update({f"{prefix}-{i}-{f}": getattr(row, f) for f in
                             ("stage", "amount", "unit", "source", "certainty", "extension_max")})
                if row.extension_allowed:
                    data[f"{prefix}-{i}-extension_allowed"] = "on"
    clauses = list(version.imported_clauses.all())
    data.update({"imported_clauses-TOTAL_FORMS": len(clauses), "imported_clauses-INITIAL_FORMS": len(clauses),
                 "imported_clauses-MIN_NUM_FORMS": 0, "imported_clauses-MAX_NUM_FORMS": 1000})
    for i, clause in enumerate(clauses):
        data[f"imported_clauses-{i}-id"] = clause.pk
        data[f"imported_clauses-{i}-version"] = version.pk
        data.update({f"imported_clauses-{i}-{f}": getattr(clause, f) or "" for f in
                     ("kind", "stage", "amount", "unit", "procedure_key")})
    data.update(overrides)
    return data


class TestPolicyVersionAdmin:
    def test_pages_load(self, admin_client, kunming_latest):
        """Changelists and the change page of a published version load; the
        published version shows the immutability notice and no inline inputs."""
        for name in ("jurisdiction", "policydocument", "policyversion", "calendarday", "calendaryear",
                     "policyauditentry"):
            assert admin_client.get(reverse(f"admin:policies_{name}_changelist")).status_code == 200
        r = admin_client.get(reverse("admin:policies_policyversion_change", args=[kunming_latest.pk]))
        assert r.status_code == 200
        html = r.content.decode()
        assert 'name="items-0-text"' not in html
        assert str(_(services.PUBLISHED_IMMUTABLE)) in html

    def test_editing_published_version_is_refused(self, admin_client, kunming_latest):
        """A POST changing a published version (fields or items) shows the
        refusal and changes nothing."""
        item = kunming_latest.items.order_by("kind", "number").first()
        post = _version_post(kunming_latest, **{"items-0-text": "被篡改"})
        r = admin_client.post(reverse("admin:policies_policyversion_change", args=[kunming_latest.pk]), post)
        assert r.status_code == 200
        html = r.content.decode()
        assert 'class="errornote"' in html
        assert html.count(str(_(services.PUBLISHED_IMMUTABLE))) >= 2  # notice and form error
        kunming_latest.refresh_from_db()
        item.refresh_from_db()
        assert kunming_latest.notes != "changed"
        assert item.text != "被篡改"

    def test_draft_edit_through_admin(self, admin_client, kunming_latest, policy_admin):
        """A draft's inline time limit can be edited; a negative amount is
        refused with a form error and saves nothing."""
        draft = services.policy_version_create_draft_from(version=kunming_latest, actor=policy_admin)
        url = reverse("admin:policies_policyversion_change", args=[draft.pk])
        idx = list(draft.time_limits.all()).index(draft.time_limits.get(stage="intake"))
        r = admin_client.post(url, _version_post(draft, **{f"time_limits-{idx}-amount": "-2"}))
        assert r.status_code == 200
        draft.refresh_from_db()
        assert draft.time_limits.get(stage="intake").amount == 5 and draft.notes != "changed"
        first_item = list(draft.items.all())[0]
        r = admin_client.post(url, _version_post(draft, **{f"time_limits-{idx}-amount": "8",
                                                           "items-0-text": "管理员修订的条文"}))
        assert r.status_code == 302, r.content.decode()[:2000]
        draft.refresh_from_db()
        assert draft.time_limits.get(stage="intake").amount == 8 and draft.notes == "changed"
        first_item.refresh_from_db()
        assert first_item.text == "管理员修订的条文"
        assert PolicyAuditEntry.objects.filter(version=draft, action="item_updated").exists()

    def test_publish_and_compare_actions(self, admin_client, kunming_latest, policy_admin):
        """The publish action publishes a draft; compare shows what changed."""
        draft = services.policy_version_create_draft_from(
            version=kunming_latest, actor=policy_admin, effective_from=dt.date(2027, 1, 1)
        )
        services.policy_item_update(item=draft.items.get(kind="positive", number=3), actor=policy_admin,
                                    data={"text": "新的第三种情形"})
        changelist = reverse("admin:policies_policyversion_changelist")
        # Kunming's lists are drafted after comparable rules: the plain action
        # refuses, the one that says so publishes and records what was unconfirmed.
        r = admin_client.post(changelist, {"action": "publish_versions", "_selected_action": [draft.pk]})
        assert r.status_code == 302
        draft.refresh_from_db()
        assert draft.status == PolicyVersion.Status.DRAFT
        r = admin_client.post(changelist, {"action": "publish_versions_unconfirmed", "_selected_action": [draft.pk]})
        assert r.status_code == 302
        draft.refresh_from_db()
        assert draft.status == PolicyVersion.Status.PUBLISHED
        entry = draft.audit_entries.get(action="version_published")
        assert entry.actor == policy_admin and len(entry.data["unconfirmed_acknowledged"]) > 20
        r = admin_client.post(changelist, {"action": "compare_versions",
                                           "_selected_action": [kunming_latest.pk, draft.pk]})
        assert r.status_code == 302
        r = admin_client.get(r["Location"])
        assert r.status_code == 200 and "新的第三种情形" in r.content.decode()

    def test_copy_action(self, admin_client, kunming_latest):
        """"Create a new draft" copies the version and opens the draft."""
        r = admin_client.post(reverse("admin:policies_policyversion_changelist"),
                              {"action": "copy_to_draft", "_selected_action": [kunming_latest.pk]})
        draft = PolicyVersion.objects.get(document=kunming_latest.document, number=3)
        assert r["Location"] == reverse("admin:policies_policyversion_change", args=[draft.pk])
        assert draft.items.count() == kunming_latest.items.count()


class TestCalendarAdmin:
    def test_add_override_and_bad_date(self, admin_client):
        """A holiday override is added; a malformed date is refused and
        nothing is saved."""
        url = reverse("admin:policies_calendarday_add")
        r = admin_client.post(url, {"date": "2025-02-30", "kind": "holiday", "name": "错"})
        assert r.status_code == 200 and not CalendarDay.objects.exists()
        r = admin_client.post(url, {"date": "2027-01-01", "kind": "holiday", "name": "元旦"})
        assert r.status_code == 302
        assert CalendarDay.objects.get(date=dt.date(2027, 1, 1)).name == "元旦"

    def test_mark_year_complete(self, admin_client):
        """A year is marked complete; an absurd year is refused."""
        url = reverse("admin:policies_calendaryear_add")
        r = admin_client.post(url, {"year": "1850", "complete": "on", "note": ""})
        assert r.status_code == 200 and not CalendarYear.objects.exists()
        r = admin_client.post(url, {"year": "2027", "complete": "on", "note": "国务院办公厅通知"})
        assert r.status_code == 302
        assert CalendarYear.objects.get(year=2027).complete is True


class TestCalendarWarning:
    def test_next_year_without_data_is_warned(self, admin_client, settings):
        """In late 2026 the admin is told that 2027 has no calendar data,
        until the year is marked complete."""
        import time_machine

        with time_machine.travel(dt.datetime(2026, 11, 1, 12, 0), tick=False):
            r = admin_client.get(reverse("admin:policies_calendaryear_changelist"))
            assert "2027" in r.content.decode() and 'class="warning"' in r.content.decode()
            CalendarYear.objects.create(year=2027, complete=True)
            r = admin_client.get(reverse("admin:policies_calendaryear_changelist"))
            assert 'class="warning"' not in r.content.decode()


class TestDocumentImportAdmin:
    def test_import_then_classify_on_the_draft_page(self, admin_client, kunming_latest):
        """The document's page links to the import; pasted text becomes a
        draft of verbatim clauses; a clause classified on the draft's page
        becomes an item with its article; bad input shows its message."""
        document = kunming_latest.document
        url = reverse("admin:policies_policydocument_import", args=[document.pk])
        assert url in admin_client.get(reverse("admin:policies_policydocument_change", args=[document.pk])
                                       ).content.decode()
        r = admin_client.post(url, {"text": "没有条文", "effective_from": "2026-01-01"})
        assert r.status_code == 200 and "第X条" in r.content.decode()
        r = admin_client.post(url, {"text": "第一条 有下列情形之一的，可以容错：\n（一）先行先试出现失误的；\n（二）因不可抗力造成损失的。",
                                    "effective_from": "2026-01-01", "time_limits_from": kunming_latest.pk})
        assert r.status_code == 302
        draft = PolicyVersion.objects.get(document=document, number=3)
        assert [c.article for c in draft.imported_clauses.order_by("seq")] == ["第一条", "第一条（一）", "第一条（二）"]
        assert draft.time_limits.count() == 18
        assert admin_client.get(r["Location"]).status_code == 200
        clause = draft.imported_clauses.get(article="第一条（一）")
        data = _version_post(draft)
        index = list(draft.imported_clauses.all()).index(clause)
        data[f"imported_clauses-{index}-kind"] = "positive"
        data[f"imported_clauses-{index}-item_title"] = "先行先试"
        r = admin_client.post(reverse("admin:policies_policyversion_change", args=[draft.pk]), data)
        assert r.status_code == 302
        item = draft.items.get(kind="positive")
        assert (item.text, item.article, item.title, item.certainty) == ("先行先试出现失误的；", "第一条（一）", "先行先试",
                                                                       "verbatim")


class TestProcedureAdmin:
    def test_procedure_edited_on_a_draft_and_checked(self, admin_client, kunming_latest, policy_admin):
        """The draft's procedure is edited as JSON on its page; a setting
        without its source is refused with the message and nothing saved."""
        draft = services.policy_version_create_draft_from(version=kunming_latest, actor=policy_admin)
        url = reverse("admin:policies_policyversion_change", args=[draft.pk])
        bad = _version_post(draft, procedure='{"appeal": {"path": "可以向上一级党组织提出申诉。"}}')
        r = admin_client.post(url, bad)
        html = r.content.decode()
        assert r.status_code == 200 and ("来源" in html or "source" in html)
        draft.refresh_from_db()
        assert "appeal" not in draft.procedure
        good = _version_post(draft, procedure='{"appeal": {"path": "可以向上一级党组织提出申诉。", "source": "第十条"}, '
                                              '"correction": {"mode": "five_steps", "source": "纠错办法"}}')
        r = admin_client.post(url, good)
        assert r.status_code == 302
        draft.refresh_from_db()
        assert draft.procedure["appeal"]["source"] == "第十条"
        assert draft.procedure["correction"]["mode"] == "five_steps"
