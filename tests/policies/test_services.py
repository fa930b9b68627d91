"""Policy services: publishing, immutability of published versions, drafts
copied from them, and the selectors the cases app relies on."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.services import org_unit_create
from core.exceptions import ApplicationError
from policies import services
from policies.models import Certainty, Jurisdiction, PolicyAuditEntry, PolicyItem, PolicyVersion, StageTimeLimit
from policies.selectors import policy_version_compare, policy_version_in_force, stage_due_date, stage_time_limit
from tests.factories import UserFactory, make_case, make_policy_version

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


def _state(version):
    version.refresh_from_db()
    return (
        {f: getattr(version, f) for f in ("status", "effective_from", "effective_to", "notes", "start_rule")},
        list(version.items.order_by("pk").values()),
        list(version.time_limits.order_by("pk").values()),
    )


class TestPublishedImmutable:
    def test_every_edit_is_refused_and_changes_nothing(self, kunming_latest, policy_admin):
        """Item create/update/delete, time-limit changes and field updates
        on a published version raise the immutability message and leave the
        version as it was."""
        before = _state(kunming_latest)
        item = kunming_latest.items.get(kind="positive", number=1)
        limit = kunming_latest.time_limits.get(stage="intake")
        attempts = [
            lambda: services.policy_item_create(version=kunming_latest, actor=policy_admin, kind="positive",
                                                number=15, text="新情形", certainty=Certainty.SUMMARY),
            lambda: services.policy_item_update(item=item, actor=policy_admin, data={"text": "改"}),
            lambda: services.policy_item_delete(item=item, actor=policy_admin),
            lambda: services.stage_time_limit_set(version=kunming_latest, actor=policy_admin, stage="intake",
                                                  amount=7, unit="working_day"),
            lambda: services.stage_time_limit_delete(time_limit=limit, actor=policy_admin),
            lambda: services.policy_version_update(version=kunming_latest, actor=policy_admin, data={"notes": "x"}),
        ]
        for attempt in attempts:
            with pytest.raises(ApplicationError) as exc:
                attempt()
            assert exc.value.message == _(services.PUBLISHED_IMMUTABLE)
            assert exc.value.code == "published_immutable"
        assert _state(kunming_latest) == before

    def test_publishing_twice_is_refused(self, kunming_latest, policy_admin):
        """A published version cannot be published again."""
        with pytest.raises(ApplicationError) as exc:
            services.policy_version_publish(version=kunming_latest, actor=policy_admin)
        assert exc.value.message == _(services.ALREADY_PUBLISHED)


class TestDraftAndPublish:
    def test_copy_edit_publish(self, kunming_latest, policy_admin):
        """A draft copied from v1 holds the same content, can be edited, and
        publishing it closes v1 the day before it takes effect; the audit
        trail records each step."""
        draft = services.policy_version_create_draft_from(
            version=kunming_latest, actor=policy_admin, effective_from=D("2027-01-01")
        )
        assert draft.number == 3 and draft.status == PolicyVersion.Status.DRAFT
        assert draft.items.count() == kunming_latest.items.count()
        assert draft.time_limits.count() == 18
        assert policy_version_compare(a=kunming_latest, b=draft)["items"] == []

        services.stage_time_limit_set(version=draft, actor=policy_admin, stage="intake", amount=7,
                                      unit="working_day", source="市委文件", certainty=Certainty.VERBATIM)
        item = draft.items.get(kind="negative", number=8)
        services.policy_item_update(item=item, actor=policy_admin, data={"text": "拒不整改的"})
        # Kunming's lists are drafted after comparable rules: publishing them
        # needs the explicit confirmation (issue 16), recorded.
        with pytest.raises(ApplicationError) as exc:
            services.policy_version_publish(version=draft, actor=policy_admin)
        assert exc.value.code == "unconfirmed_items"
        services.policy_version_publish(version=draft, actor=policy_admin, acknowledge_unconfirmed=True)

        kunming_latest.refresh_from_db()
        draft.refresh_from_db()
        assert draft.is_published and draft.published_at
        assert kunming_latest.effective_to == D("2026-12-31")
        assert kunming_latest.time_limits.get(stage="intake").amount == 5
        diff = policy_version_compare(a=kunming_latest, b=draft)
        assert [(r["kind"], r["number"], r["change"]) for r in diff["items"]] == [("negative", 8, "changed")]
        assert [r["stage"] for r in diff["time_limits"]] == ["intake"]
        actions = set(PolicyAuditEntry.objects.filter(actor=policy_admin).values_list("action", flat=True))
        assert {"draft_copied", "time_limit_set", "item_updated", "version_published", "version_closed"} <= actions

    def test_new_version_must_start_after_the_old(self, kunming_latest, policy_admin):
        """A draft effective on or before v1 cannot be published."""
        draft = services.policy_version_create_draft_from(version=kunming_latest, actor=policy_admin)
        services.policy_version_update(version=draft, actor=policy_admin, data={"effective_from": D("2026-12-01")})
        with pytest.raises(ApplicationError) as exc:
            services.policy_version_publish(version=draft, actor=policy_admin)
        assert exc.value.code == "effective_order" and "2026-12-01" in exc.value.message
        draft.refresh_from_db()
        assert draft.status == "draft"

    def test_missing_time_limits_refused(self, kunming_latest, policy_admin):
        """A version without a time limit for every stage is not published."""
        draft = services.policy_version_create_draft_from(version=kunming_latest, actor=policy_admin)
        services.stage_time_limit_delete(time_limit=draft.time_limits.get(stage="defence"), actor=policy_admin)
        with pytest.raises(ApplicationError) as exc:
            services.policy_version_publish(version=draft, actor=policy_admin)
        assert exc.value.code == "missing_time_limits" and "申辩" in exc.value.message
        draft.refresh_from_db()
        assert draft.status == "draft"

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"amount": -1, "unit": "working_day"}, "amount"),
            ({"amount": 0, "unit": "working_day"}, "amount"),
            ({"amount": 5, "unit": "fortnight"}, "unit"),
            ({"amount": 5, "unit": "working_day", "extension_max": 3}, "extension_max"),
        ],
    )
    def test_bad_time_limit_refused(self, kunming_latest, policy_admin, kwargs, field):
        """Bad amounts, units and extensions are refused with a field error and
        change nothing."""
        draft = services.policy_version_create_draft_from(version=kunming_latest, actor=policy_admin)
        with pytest.raises(ValidationError) as exc:
            services.stage_time_limit_set(version=draft, actor=policy_admin, stage="intake", **kwargs)
        assert field in exc.value.message_dict
        assert draft.time_limits.get(stage="intake").amount == 5

    def test_bad_item_refused(self, kunming_latest, policy_admin):
        """Unknown kinds and duplicate numbers are refused."""
        draft = services.policy_version_create_draft_from(version=kunming_latest, actor=policy_admin)
        with pytest.raises(ValidationError):
            services.policy_item_create(version=draft, actor=policy_admin, kind="bogus", number=1, text="x",
                                        certainty=Certainty.SUMMARY)
        with pytest.raises(ValidationError):
            services.policy_item_create(version=draft, actor=policy_admin, kind="positive", number=1, text="x",
                                        certainty=Certainty.SUMMARY)
        assert draft.items.filter(kind="positive").count() == 14


class TestCaseKeepsItsVersion:
    def test_case_keeps_version_after_policy_changes(self, kunming_latest, policy_admin):
        """A case filed under v1 still points at v1, with v1's items, after a
        new version is published; new filings get v2."""
        jurisdiction_unit = org_unit_create(name="昆明市", code="km-test", kind="jurisdiction")
        Jurisdiction.objects.filter(code="kunming").update(org_unit=jurisdiction_unit)
        unit = org_unit_create(name="市教育局", code="km-edu", kind="unit", parent=jurisdiction_unit)
        applicant = UserFactory(org_unit=unit)
        # Filed in 2025: version 1 as first published (version 2, the
        # corrected catalogue, takes effect 2026-12-01).
        in_force = policy_version_in_force(org_unit=unit, on_date=D("2025-06-01"))
        assert in_force.number == 1 and in_force.document == kunming_latest.document
        case = make_case(applicant=applicant, unit=unit, policy_version=in_force)
        case.claimed_scenarios.add(in_force.items.get(kind="positive", number=2))
        items_before = list(in_force.items.order_by("pk").values_list("pk", "text"))

        draft = services.policy_version_create_draft_from(version=kunming_latest, actor=policy_admin,
                                                          effective_from=D("2027-01-01"))
        services.policy_item_update(item=draft.items.get(kind="positive", number=2), actor=policy_admin,
                                    data={"text": "修订后的情形"})
        services.policy_item_delete(item=draft.items.get(kind="negative", number=1), actor=policy_admin)
        services.policy_version_publish(version=draft, actor=policy_admin, acknowledge_unconfirmed=True)

        case.refresh_from_db()
        assert case.policy_version_id == in_force.pk
        assert list(case.policy_version.items.order_by("pk").values_list("pk", "text")) == items_before
        assert case.claimed_scenarios.get().text.startswith("在推进改革")
        assert policy_version_in_force(org_unit=unit, on_date=D("2027-03-01")) == draft
        assert policy_version_in_force(org_unit=unit, on_date=D("2026-12-31")) == kunming_latest
        assert policy_version_in_force(org_unit=unit, on_date=D("2025-12-31")) == in_force


class TestSelectors:
    def test_central_fallback(self, catalogue):
        """A unit under no jurisdiction with rules gets the central base."""
        unit = org_unit_create(name="某县", code="nowhere", kind="jurisdiction")
        version = policy_version_in_force(org_unit=unit, on_date=D("2025-01-01"))
        assert version.document.jurisdiction.code == "central"
        assert policy_version_in_force(org_unit=unit, on_date=D("2019-01-01")) is None

    def test_stage_time_limit_and_due_date(self, kunming_latest, django_assert_num_queries):
        """The limit for a stage, and its due date under the version's rule
        (prefetched limits need no query)."""
        limit = stage_time_limit(version=kunming_latest, stage="intake")
        assert (limit.amount, limit.unit) == (5, "working_day")
        limit, due = stage_due_date(version=kunming_latest, stage="intake", start=D("2025-09-26"))
        assert due.due == D("2025-10-10")
        v = PolicyVersion.objects.prefetch_related("time_limits").get(pk=kunming_latest.pk)
        with django_assert_num_queries(0):
            assert stage_time_limit(version=v, stage="defence").amount == 5
            assert stage_time_limit(version=v, stage="nonexistent") is None

    def test_factory_version_unaffected(self, db):
        """Versions made by the shared factory still resolve (no catalogue)."""
        unit = org_unit_create(name="测试县", code="t-county", kind="jurisdiction")
        version = make_policy_version(org_unit=unit)
        assert policy_version_in_force(org_unit=unit, on_date=D("2025-01-01")) == version
        assert isinstance(stage_time_limit(version=version, stage="intake"), StageTimeLimit)
        assert PolicyItem.objects.filter(version=version).exists()
