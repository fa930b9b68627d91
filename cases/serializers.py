"""Output shapes of a case for the API (list item and detail), shared by
every case endpoint that answers with a case.

They read only what the selectors load (``case_search`` annotates the
deadline; ``case_detail_for_user`` prefetches the related rows), so a list
or a detail costs a fixed number of queries.
"""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import (
    ChoiceLabelField,
    ErrorSerializer,  # noqa: F401  (re-exported: the one error shape)
)

from .models import Origin, Outcome, Stage
from .registry import ACTIONS
from .services import case_actions_for_user


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.full_name or user.username


class OrgUnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CaseListItemSerializer(serializers.Serializer):
    """One row of a list or queue; ``next_due`` and ``is_paused`` are
    columns of the case kept by the clock services."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    stage = serializers.CharField()
    stage_label = ChoiceLabelField(Stage, source="stage")
    outcome = serializers.CharField()
    outcome_label = ChoiceLabelField(Outcome, source="outcome")
    origin = serializers.CharField()
    origin_label = ChoiceLabelField(Origin, source="origin")
    applicant = PersonSerializer()
    unit = OrgUnitRefSerializer()
    submitted_at = serializers.DateTimeField(allow_null=True)
    next_due = serializers.DateField(allow_null=True)
    is_paused = serializers.BooleanField()
    overdue = serializers.SerializerMethodField()

    def get_overdue(self, case) -> bool:
        return _is_overdue(case.next_due)

    def to_representation(self, row):
        """The fields above, written out from a row of
        ``cases.selectors.case_list_values`` (a dict): the same JSON as
        DRF's field by field walk of a case (the declared fields stay the
        schema), which was most of the list API's time per page (issue 19:
        0.29 of a bare view's requests per second). The declared fields are
        never built (DRF deep-copies them per serializer): the labels and
        the time are written by the module's own fields, whose label maps
        are made once per language."""
        submitted_at = row["submitted_at"]
        next_due = row["next_due"]
        return {
            "id": row["id"],
            "number": row["number"],
            "title": row["title"],
            "stage": row["stage"],
            "stage_label": _STAGE_LABEL.to_representation(row["stage"]),
            "outcome": row["outcome"],
            "outcome_label": _OUTCOME_LABEL.to_representation(row["outcome"]),
            "origin": row["origin"],
            "origin_label": _ORIGIN_LABEL.to_representation(row["origin"]),
            "applicant": {"id": row["applicant_id"],
                          "name": row["applicant__full_name"] or row["applicant__username"]},
            "unit": {"id": row["unit_id"], "name": row["unit__name"]},
            "submitted_at": _DATETIME.to_representation(submitted_at) if submitted_at else None,
            "next_due": next_due.isoformat() if next_due else None,
            "is_paused": row["is_paused"],
            "overdue": _is_overdue(next_due),
        }


def _is_overdue(next_due) -> bool:
    # The nearest running clock's due date has passed (a paused clock has no
    # running due date, so a case waiting for a supplement is never overdue
    # on intake's side).
    return next_due is not None and next_due < timezone.localdate()


_STAGE_LABEL = ChoiceLabelField(Stage)
_OUTCOME_LABEL = ChoiceLabelField(Outcome)
_ORIGIN_LABEL = ChoiceLabelField(Origin)
_DATETIME = serializers.DateTimeField()


class PolicyVersionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(source="document.title")
    version = serializers.IntegerField(source="number")


class ScenarioSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    source = serializers.CharField()
    certainty = serializers.CharField()
    certainty_label = serializers.CharField(source="get_certainty_display")


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_by = PersonSerializer()
    locked = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, attachment) -> str:
        return reverse("api-case-attachment-download", args=[attachment.case_id, attachment.pk])


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    label = serializers.CharField(source="kind_label")
    actor = PersonSerializer(allow_null=True)
    from_stage = serializers.CharField()
    to_stage = serializers.CharField()
    reason = serializers.CharField()
    data = serializers.DictField()
    at = serializers.DateTimeField(source="created_at")


class UnitReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reviewer = PersonSerializer()
    meeting_date = serializers.DateField()
    participants = serializers.CharField()
    opinion = serializers.CharField()
    decision = serializers.CharField()
    decision_label = serializers.CharField(source="get_decision_display")
    created_at = serializers.DateTimeField()


class SupplementRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    requested_by = PersonSerializer()
    missing = serializers.CharField()
    due_date = serializers.DateField()
    answered_at = serializers.DateTimeField(allow_null=True)
    answer = serializers.CharField()
    created_at = serializers.DateTimeField()


class ActionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()


class CaseDetailSerializer(serializers.Serializer):
    """Everything the case page shows, plus the actions the caller (the
    ``request`` in the context) may take now."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    origin = serializers.CharField()
    origin_label = ChoiceLabelField(Origin, source="origin")
    stage = serializers.CharField()
    stage_label = ChoiceLabelField(Stage, source="stage")
    outcome = serializers.CharField()
    outcome_label = ChoiceLabelField(Outcome, source="outcome")
    applicant = PersonSerializer()
    created_by = PersonSerializer()
    unit = OrgUnitRefSerializer()
    jurisdiction = OrgUnitRefSerializer()
    policy_version = PolicyVersionRefSerializer()
    matter = serializers.CharField()
    matter_date = serializers.DateField(allow_null=True)
    impact = serializers.CharField()
    trigger = serializers.CharField()
    accountability_considered = serializers.CharField()
    facts_reasons = serializers.CharField()
    remedial_steps = serializers.CharField()
    collective_decision = serializers.BooleanField()
    collective_decision_note = serializers.CharField()
    self_check = serializers.DictField()
    claimed_scenarios = ScenarioSerializer(many=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    attachments = AttachmentSerializer(many=True)
    events = EventSerializer(many=True)
    unit_reviews = UnitReviewSerializer(many=True)
    supplement_requests = SupplementRequestSerializer(many=True)
    actions = serializers.SerializerMethodField()

    @extend_schema_field(ActionSerializer(many=True))
    def get_actions(self, case):
        request = self.context["request"]
        names = case_actions_for_user(case=case, user=request.user)
        return [{"name": name, "label": str(ACTIONS[name].label)} for name in names]
