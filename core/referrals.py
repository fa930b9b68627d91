"""The 诬告陷害 referral of a clarification: a report found untrue that was
made on purpose is referred to the body that deals with it. A ruled case's
clarification (corrections) and a stand-alone clarification case
(clarifications) record it alike, on their ``core.models.ClarificationRecord``;
each service locks and guards its case and writes its own event kind, and
each app declares its step with ``referral_step`` (the label, the API's
input, the page's message are the same)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from .models import ClarificationRecord
from .steps import Step

REQUIRED = gettext_lazy("This field is required.")
FUTURE_DATE = gettext_lazy("The date cannot be in the future.")


def referral_write(record: ClarificationRecord, *, actor, referred_to: str, facts: str,
                   referred_on: dt.date | None = None) -> dict:
    """Check the referral and save it on ``record`` (locked by the caller):
    whom it went to and the facts, both required (every missing field named
    at once), on ``referred_on`` (today when not given, never a future day).
    Returns the event's data: whom and when, not the facts."""
    values = {"referred_to": (referred_to or "").strip(), "facts": (facts or "").strip()}
    errors = {name: [_(REQUIRED)] for name, value in values.items() if not value}
    try:
        MaxLengthValidator(record._meta.get_field("referred_to").max_length)(values["referred_to"])
    except ValidationError as exc:
        errors.setdefault("referred_to", exc.messages)
    referred_on = referred_on or timezone.localdate()
    if referred_on > timezone.localdate():
        errors["referred_on"] = [_(FUTURE_DATE)]
    if errors:
        raise ValidationError(errors)
    record.referred_to, record.referral_facts = values["referred_to"], values["facts"]
    record.referred_on, record.referred_by = referred_on, actor
    record.save(update_fields=["referred_to", "referral_facts", "referred_on", "referred_by", "updated_at"])
    return {"referred_to": record.referred_to, "referred_on": referred_on.isoformat()}


# --- The step that records it (core.steps) ----------------------------------------------------

REFERRAL_LABEL = gettext_lazy("Record a false-accusation referral (诬告陷害)")
REFERRAL_DONE = gettext_lazy("The referral was recorded.")


def referral_input(name: str) -> type[serializers.Serializer]:
    """The API's body of a referral step, as ``referral_write`` takes it;
    ``name`` is its schema component's (each app's keeps the one its
    generated clients know)."""
    return type(name, (serializers.Serializer,), {
        "__module__": __name__,
        "referred_to": serializers.CharField(max_length=ClarificationRecord._meta.get_field("referred_to").max_length),
        "facts": serializers.CharField(),
        "referred_on": serializers.DateField(required=False, allow_null=True, default=None),
    })


def referral_step(name: str, stages, who, service, *, input_name: str, **declared) -> Step:
    """The step of an app that records a referral: its label, input and
    message are the referral's; the app declares the rest (``app``, the
    form, ``ready``, the events, the summary, its refusals)."""
    return Step(name, REFERRAL_LABEL, tuple(stages), who, service=service, input=referral_input(input_name),
                success=REFERRAL_DONE, **declared)
