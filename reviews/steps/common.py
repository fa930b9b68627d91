"""What the review steps' declarations share (reviews.steps): the stage
groups, who sits on a decision, the step factory and the querysets of the
API inputs."""

from accounts.models import User
from cases.models import Stage
from core.serializers import form_input
from core.steps import Step
from policies.models import PolicyItem

from .. import selectors as s

BEFORE_RULING = (Stage.DEFENCE, Stage.DELIBERATION)
SITTING = (Stage.DELIBERATION, Stage.REVIEW)
PANEL = "#reviews-panel"

# The querysets of the API inputs' related fields.
_users = User.objects.filter(is_active=True)
_items = PolicyItem.objects.all()


def inspector_or_committee(case, user):
    return s.is_assigned_inspector(case, user) or s.is_committee(case, user)


def sits(case, user) -> bool:
    """A member who may sit on the decision now: the committee for the
    ruling, a member who did not vote on it for the review (复核)."""
    return s.is_review_member(case, user) if case.stage == Stage.REVIEW else s.is_committee(case, user)


def _form(form_class):
    return lambda data, files, case, **kw: form_class(data, files, case=case, **kw)


def _step(name, label, stages, who, form_class, service, success, *, input=None, **kw):
    # The API's input (Step.input): the one the declaration names, else the
    # page form's fields (core.serializers.form_input).
    return Step(name, label, stages, who, app="reviews", form=_form(form_class), service=service,
                input=input or form_input(form_class, name), success=success, anchor=PANEL, **kw)
