"""The workflow kernel (issue 21): event kinds declared once with label and
audience, one definition of the parties, clocks that hold a fixed due date.
Real services, real database; nothing of ours is mocked."""

import datetime as dt
import html
import re
import types

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import Resolver404, resolve, reverse
from rest_framework import serializers
from rest_framework.test import APIClient

from accounts.models import User
from cases import services as case_services
from cases.apis import step_apis
from cases.selectors import case_page_url, case_parties, case_sees_internal
from core.event_checks import check_event_kinds, written_kinds
from core.events import AUDIENCE_PENDING, EVENT_KINDS, event_spec
from core.serializers import form_input
from core.step_views import step_post
from core.steps import Step, register_steps, steps_of
from deadlines.models import Clock, Reminder
from deadlines.selectors import clock_list_for_case
from deadlines.services import reminder_sweep
from notifications.models import Notification
from reviews import services as review_services
from reviews.forms import MeetingForm
from reviews.steps import VoteInputSerializer
from tests.deadlines.conftest import at
from tests.reviews.conftest import accept_case, fill_draft, pdf, to_deliberation

pytestmark = pytest.mark.django_db

# Every app of the project (the ones beside core, as the start-up check
# scans them): careers and clarifications write events too.
PROJECT_APPS = [c for c in apps.get_app_configs() if not c.name.startswith(("django", "rest_"))
                and "." not in c.name and c.path.startswith(apps.get_app_config("core").path.rsplit("/", 1)[0])]


def test_every_written_event_kind_has_a_label_and_an_audience():
    """Each kind the code writes is registered (core.events) with a label
    that is not its code and an audience declared for it (an empty one is a
    decision: nobody is notified); the start-up check agrees."""
    written = written_kinds(PROJECT_APPS)
    assert len({k for k, _p, _l in written}) >= 40  # the scan finds the writers
    for kind, path, line in written:
        specs = [s for (_subject, k), s in EVENT_KINDS.items() if k == kind]
        assert specs, f"{kind} written at {path}:{line} is not registered"
        for spec in specs:
            assert str(spec.label) and str(spec.label) != kind, (kind, spec.label)
            assert isinstance(spec.audience, tuple), kind
    # The kind that showed its raw code on the timeline before.
    assert str(event_spec("deadline_extended").label) != "deadline_extended"
    # The apps whose kinds the scan must reach: a list that left one out
    # would let its kinds go unchecked.
    writers = {path.split("/")[-2] for _k, path, _l in written}
    assert {"cases", "reviews", "corrections", "careers", "clarifications", "prefilings"} <= writers, writers
    # No kind waits for the audience a step was to declare (core.E003).
    assert AUDIENCE_PENDING == {}
    assert [e for e in check_event_kinds() if e.id.startswith("core.")] == []


def _app_writing(tmp_path, source: str):
    """An app config whose code is ``source`` (what the start-up scan reads)."""
    (tmp_path / "services.py").write_text(source, encoding="utf-8")
    return types.SimpleNamespace(path=str(tmp_path), name="h32_scratch")


def test_a_written_kind_nobody_registered_fails_the_check(tmp_path):
    """core.E001: the scan finds the kind a writer names, as a literal, a
    module constant or an enum member of the app, and fails on one that is
    not registered; a registered one passes."""
    app = _app_writing(tmp_path, (
        "from django.db import models\n"
        "from cases.services import case_event_record, case_move\n"
        "GONE = 'h32_constant_kind'\n"
        "class EventKind(models.TextChoices):\n"
        "    LOST = 'h32_enum_kind', 'lost'\n"
        "def step(case, actor):\n"
        "    case_event_record(case=case, actor=actor, kind='h32_literal_kind')\n"
        "    case_event_record(case=case, actor=actor, kind=GONE)\n"
        "    case_move(case, actor, kind=EventKind.LOST)\n"
        "    case_event_record(case=case, actor=actor, kind='submitted')\n"
    ))
    errors = check_event_kinds([app])
    assert sorted((e.id, e.msg) for e in errors if e.id == "core.E001") == [
        ("core.E001", f"event kind {kind!r} is written on a case but not registered for it")
        for kind in ("h32_constant_kind", "h32_enum_kind", "h32_literal_kind")
    ]
    assert all(str(tmp_path / "services.py") in e.obj for e in errors if e.id == "core.E001")


def test_a_kind_without_an_audience_fails_at_start_up():
    """core.E003 is a registered system check: ``manage.py check`` (run at
    every start-up) fails while a registered kind still has no audience."""
    call_command("check")  # the project as it is passes
    AUDIENCE_PENDING[("case", "submitted")] = "h32_scratch"
    try:
        with pytest.raises(SystemCheckError, match=r"core\.E003.*case:submitted \(h32_scratch\) has no audience"):
            call_command("check")
    finally:
        AUDIENCE_PENDING.pop(("case", "submitted"))


def test_a_step_name_taken_by_another_app_is_refused_naming_both():
    """The registry is keyed by the step's name: a second app declaring a
    taken name would silently replace the first app's step (the page's
    form, the API's path, the guard). register_steps refuses it, naming
    both apps, and registers none of the steps it was given."""
    steps = steps_of("case")
    before = dict(steps)
    theirs = steps["record_referral"]
    assert theirs.app == "corrections"
    fresh = Step("h32_never_declared", "x", ("clarification",), lambda case, user: True, app="clarifications")
    taken = Step("record_referral", "x", ("clarification",), lambda case, user: True, app="clarifications")
    with pytest.raises(ImproperlyConfigured, match=r"case:record_referral of app 'clarifications' is already "
                                                   r"declared by app 'corrections'"):
        register_steps(fresh, taken)
    assert steps_of("case") == before and steps_of("case")["record_referral"] is theirs
    # Twice in one declaration, too.
    with pytest.raises(ImproperlyConfigured, match="h32_never_declared of app 'careers' is already declared by "
                                                   "app 'clarifications'"):
        register_steps(fresh, Step("h32_never_declared", "y", ("ruled",), lambda case, user: True, app="careers"))
    assert "h32_never_declared" not in steps_of("case")
    # The same name on another subject is another step (a pre-filing's ``submit``).
    assert steps_of("prefiling")["submit"].app == "prefilings" and steps["submit"].app == "cases"


def test_the_proactive_inspector_sees_his_own_internal_record(users, client):
    """The inspector who opens a proactive case (主动容错) is its author, not
    a party: assigned to it, he sees the internal record of his own
    interviews, on the page and in the API; the cadre does not."""
    inspector, applicant = users["inspector1"], users["applicant"]
    case = review_services.case_open_proactive(
        actor=inspector, applicant=applicant, unit=applicant.org_unit, title="问责调查中发现的先行先试事项",
        trigger="问责调查",
    )
    parties = case_parties(case)
    assert inspector not in parties and applicant in parties and parties.author_id == inspector.pk
    review_services.case_assign(case=case, actor=users["supervisor"], inspectors=[inspector, users["inspector2"]])
    secret = "证人称事前已口头请示"
    review_services.interview_record(case=case, actor=inspector, person="证人李某", held_on=dt.date(2026, 1, 6),
                                     summary=secret, file=pdf())
    case.refresh_from_db()
    assert case_sees_internal(case=case, user=inspector)
    assert not case_sees_internal(case=case, user=applicant)

    client.force_login(inspector)
    assert secret in client.get(case_page_url(case.pk)).content.decode()
    api = APIClient()
    api.force_authenticate(inspector)
    record = api.get(f"/api/v1/cases/{case.pk}/review-record/").json()
    assert [r["text"] for r in record["records"]] == [secret]

    client.force_login(applicant)
    assert secret not in client.get(case_page_url(case.pk)).content.decode()


def test_an_explicit_supplement_deadline_has_a_clock_with_reminders_and_escalation(users):
    """补正 with a date the intake officer chose: the clock runs to that date
    (not deleted, not the policy's limit), shows in the clocks panel, and
    reminds the applicant before and on the day, then escalates."""
    start, due = dt.date(2026, 3, 2), dt.date(2026, 3, 13)  # a Monday and the Friday after next
    with at(start, 9):
        case = case_services.case_create(actor=users["applicant"], title="校舍改造项目程序瑕疵申请容错")
        fill_draft(case, users["applicant"])
        case_services.case_submit(case=case, actor=users["applicant"])
        case_services.case_unit_forward(case=case, actor=users["unit_reviewer"], meeting_date=start,
                                        participants="王芳、李明", opinion="同意报送。")
        request = case_services.case_request_supplement(case=case, actor=users["intake"],
                                                        missing="请补充集体研究会议纪要。", due_date=due)
    assert request.due_date == due
    clock = Clock.objects.get(case=case, stage="supplement", ref=str(request.pk))
    assert (clock.status, clock.fixed_due, clock.due_date) == ("running", due, due)
    assert [c.pk for c in clock_list_for_case(case=case) if c.stage == "supplement"] == [clock.pk]
    case.refresh_from_db()
    assert case.next_due == due and case.next_due_stage == "supplement"

    day = start
    while day <= dt.date(2026, 3, 17):
        with at(day, 8):
            reminder_sweep()
        day += dt.timedelta(days=1)
    sent = sorted((r.kind, r.day) for r in Reminder.objects.filter(clock=clock))
    assert ("before", dt.date(2026, 3, 10)) in sent and ("before", dt.date(2026, 3, 12)) in sent
    assert ("due", due) in sent
    # A fixed date counts in calendar days: the day after it, it escalates.
    assert ("escalation", dt.date(2026, 3, 14)) in sent
    mine = set(Notification.objects.filter(recipient=users["applicant"], kind__startswith="reminder:")
               .values_list("kind", flat=True))
    assert {"reminder:before", "reminder:due"} <= mine
    assert Notification.objects.filter(recipient=users["supervisor"], kind="reminder:escalation").exists()


# --- The page's actions are the API's actions ---------------------------------------------------

FORM_ACTION = re.compile(r'<form[^>]*?\saction="([^"]+)"')  # not data-action
EDIT_LINK = re.compile(r'href="(/cases/\d+/edit/[^"]+)"')


def _page_actions(client, case) -> set[str] | None:
    """The steps whose form the case page (and, for a draft, its filing
    form's last page) offers: each form that posts to the generic step view."""
    response = client.get(case_page_url(case.pk))
    if response.status_code == 404:
        return None
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    body = response.content.decode()
    found = set()
    links = EDIT_LINK.findall(body)
    if links:
        found.add("edit")
        review = client.get(reverse("cases:edit", args=[case.pk, "review"]))
        body += review.content.decode()
    for url in FORM_ACTION.findall(body):
        try:
            match = resolve(html.unescape(url).split("?")[0])
        except Resolver404:
            continue
        if match.func is step_post:
            found.add(match.kwargs["action"])
    return found


def _api_actions(api, case) -> set[str] | None:
    response = api.get(f"/api/v1/cases/{case.pk}/")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.content
    return {a["name"] for a in response.json()["actions"]}


def _compare_for_every_user(cases, users, client):
    api = APIClient()
    compared = set()
    for case in cases:
        for name, user in users.items():
            client.force_login(user)
            api.force_authenticate(user)
            page, listed = _page_actions(client, case), _api_actions(api, case)
            assert page == listed, (case.stage, name, page, listed)
            if listed:
                compared.add((case.stage, name))
    return compared


def test_the_api_lists_the_page_actions_for_every_demo_stage_and_role(db, client):
    """For every case of the demo data (every stage it has) and every demo
    login, the API's ``actions`` are exactly the steps the page offers a
    form for; both read the declarations (core.steps)."""
    from django.core.management import call_command

    from accounts.models import User
    from cases.models import Case

    call_command("load_policies", verbosity=0)
    call_command("demo_data", verbosity=0)
    cases = list(Case.objects.order_by("pk"))
    assert {c.stage for c in cases} >= {"draft", "unit_review", "submitted", "supplement", "verification", "ruled"}
    users = {u.username: u for u in User.objects.filter(is_active=True).order_by("username")}
    compared = _compare_for_every_user(cases, users, client)
    # Every stage had someone with something to do.
    assert {stage for stage, _name in compared} >= {c.stage for c in cases}


def test_the_api_lists_the_page_actions_at_the_meeting(users, client):
    """At the deliberation, where what each member may do depends on the
    meeting (present, voted, recorded for him, keeping the minutes)."""
    case = to_deliberation(accept_case(users), users)
    members = [users[m] for m in ("committee1", "committee2", "committee3")]
    compared = _compare_for_every_user([case], users, client)
    assert ("deliberation", "committee1") in compared
    review_services.meeting_record(case=case, actor=users["committee1"], held_on=dt.date(2026, 1, 8),
                                   members_present=members)
    review_services.vote_record(case=case, actor=users["committee1"], result="exempt")
    review_services.vote_record(case=case, actor=users["committee1"], member=users["committee2"], result="exempt")
    case.refresh_from_db()
    _compare_for_every_user([case], users, client)
    api = APIClient()
    api.force_authenticate(users["committee2"])
    assert "confirm_vote" in _api_actions(api, case)
    api.force_authenticate(users["committee3"])
    assert {"vote", "void_meeting", "rule"} <= _api_actions(api, case) and "confirm_vote" not in _api_actions(
        api, case)


def test_a_steps_api_input_is_carried_by_its_declaration():
    """Adding a step touches at most five files (docs/kernel.md): its API
    input is the declaration's (a class in the app's steps.py, or the form's
    fields with the declared extras), never a sixth file's. The generated
    endpoint and its schema read ``Step.input``."""
    apis_ = step_apis()
    for name, step in steps_of("case").items():
        if step.app == "prefilings" or step.service is None:
            continue
        if step.input is not None:
            module = step.input.__module__
            # steps.py, or a module of the app's steps package (reviews/steps/),
            # or the kernel's factory the app's steps.py declares it with
            # (core.referrals.referral_step: the 诬告陷害 referral of two apps).
            assert module in (f"{step.app}.steps", f"{step.app}.forms", "core.referrals") or module.startswith(
                f"{step.app}.steps."), (name, module)
        assert apis_[name].step is step


def test_form_input_takes_the_forms_fields_and_the_declared_extras(users):
    """A step whose API takes more than its form (ids of users, nested
    rows) declares only what differs: a field of the form's name replaces
    it in its place, a new one is added, ``exclude`` drops one."""
    with pytest.raises(TypeError, match="MeetingForm.members_present"):
        form_input(MeetingForm, "h32_meeting")  # ids of users: not the form's field
    Input = form_input(MeetingForm, "h32_meeting",
                       members_present=serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True),
                       votes=VoteInputSerializer(many=True, required=False))
    assert Input.__name__ == "H32MeetingInput"
    assert list(Input().fields) == ["held_on", "members_present", "votes"]
    member = users["committee1"]
    ok = Input(data={"held_on": "2026-01-05", "members_present": [member.pk],
                     "votes": [{"member": member.pk, "result": "exempt"}]})
    assert ok.is_valid(), ok.errors
    assert ok.validated_data["members_present"] == [member]
    assert ok.validated_data["votes"][0]["member"] == member
    bad = Input(data={"held_on": "", "members_present": [0], "votes": [{"member": member.pk, "result": "x"}]})
    assert not bad.is_valid() and set(bad.errors) == {"held_on", "members_present", "votes"}
    assert list(form_input(MeetingForm, "h32_date_only", exclude=("members_present",))().fields) == ["held_on"]


def test_the_referral_step_is_declared_once_for_both_apps():
    """The 诬告陷害 referral of a ruled case (corrections) and of a
    stand-alone clarification case (clarifications) comes from one factory
    (core.referrals.referral_step): the same label, message and input, each
    input under the component name its clients know, its limit the model's."""
    from core.models import ClarificationRecord
    from core.referrals import REFERRAL_DONE, REFERRAL_LABEL
    from core.steps import step_get

    ruled, standalone = step_get("record_referral"), step_get("refer_false_accusation")
    assert (ruled.app, standalone.app) == ("corrections", "clarifications")
    assert ruled.label is standalone.label is REFERRAL_LABEL
    assert ruled.success is standalone.success is REFERRAL_DONE
    assert (ruled.input.__name__, standalone.input.__name__) == ("RecordReferralInput", "ReferralInput")
    for step in (ruled, standalone):
        fields = step.input().fields
        assert list(fields) == ["referred_to", "facts", "referred_on"]
        assert fields["referred_to"].max_length == ClarificationRecord._meta.get_field("referred_to").max_length
        assert not fields["referred_on"].required
