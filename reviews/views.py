"""Pages of verification and ruling: the case panel (embedded in the case
page), its forms' POST targets, the record page, the queues and the
proactive-case form. Views parse, call one service, and redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Role
from accounts.selectors import user_has_role
from cases.selectors import case_get_for_user, case_page_url, case_sees_internal
from cases.services import case_actions_for_user
from core.exceptions import ApplicationError
from core.form_flash import form_flash_bind, form_flash_keep
from core.subjects import hook

from . import forms as f
from . import selectors, services

# action name: (form class, service call, success message)
ACTIONS = {
    "assign": (f.AssignForm, lambda c, u, d: services.case_assign(case=c, actor=u, **d),
               gettext_lazy("Inspectors assigned.")),
    "mark_recusal": (f.RecusalForm, lambda c, u, d: services.recusal_mark(case=c, actor=u, **d),
                     gettext_lazy("Marked as related: he may not handle the case.")),
    "record_interview": (f.InterviewForm, lambda c, u, d: services.interview_record(case=c, actor=u, **d),
                         gettext_lazy("Interview recorded.")),
    "record_evidence": (f.EvidenceForm, lambda c, u, d: services.evidence_record(case=c, actor=u, **d),
                        gettext_lazy("Recorded.")),
    "assess": (f.AssessmentForm, lambda c, u, d: services.case_assess(case=c, actor=u, **d),
               gettext_lazy("Assessment saved.")),
    "preliminary_report": (f.ReportForm, lambda c, u, d: services.case_preliminary_report(case=c, actor=u, **d),
                           gettext_lazy("Preliminary report recorded; the applicant is notified.")),
    "defend": (f.DefenceForm, lambda c, u, d: services.case_defend(case=c, actor=u, **d),
               gettext_lazy("Your defence is submitted.")),
    "waive_defence": (f.WaiveForm, lambda c, u, d: services.case_waive_defence(case=c, actor=u, **d),
                      gettext_lazy("The defence is waived.")),
    "add_testimony": (f.TestimonyForm, lambda c, u, d: services.testimony_add(case=c, actor=u, **d),
                      gettext_lazy("Testimony added.")),
    "record_assessment_report": (
        f.OptionalStepForm,
        lambda c, u, d: services.optional_step_record(case=c, actor=u, kind="third_party", **d),
        gettext_lazy("Third-party assessment recorded.")),
    "record_hearing": (f.OptionalStepForm,
                       lambda c, u, d: services.optional_step_record(case=c, actor=u, kind="hearing", **d),
                       gettext_lazy("Hearing recorded.")),
    "deliberate": (f.MeetingForm, lambda c, u, d: services.meeting_record(case=c, actor=u, **d),
                   gettext_lazy("Meeting recorded.")),
    "vote": (f.VoteForm, lambda c, u, d: services.vote_record(case=c, actor=u, **d),
             gettext_lazy("Vote recorded.")),
    "confirm_vote": (f.ConfirmVoteForm, lambda c, u, d: services.vote_confirm(case=c, actor=u),
                     gettext_lazy("Your vote is confirmed.")),
    "void_meeting": (f.VoidMeetingForm, lambda c, u, d: services.meeting_void(case=c, actor=u, **d),
                     gettext_lazy("The meeting is voided; it stays in the record with the reason.")),
    "rule": (f.RulingForm, lambda c, u, d: services.case_rule(case=c, actor=u, **d),
             gettext_lazy("Ruling recorded; the ruling letter is being prepared.")),
    "feedback": (f.NoticeForm, lambda c, u, d: services.notice_record(case=c, actor=u, kind="feedback", **d),
                 gettext_lazy("Feedback recorded.")),
    "file_report": (f.NoticeForm, lambda c, u, d: services.notice_record(case=c, actor=u, kind="filing", **d),
                    gettext_lazy("Filing recorded.")),
    "record_same_level": (f.NoticeForm,
                          lambda c, u, d: services.notice_record(case=c, actor=u, kind="record", **d),
                          gettext_lazy("The 备案 at the same level is recorded.")),
    "request_review": (f.ReviewRequestForm,
                       lambda c, u, d: services.case_request_review(case=c, actor=u, **d),
                       gettext_lazy("Your request for review is recorded.")),
    "decide_review": (f.RulingForm, lambda c, u, d: services.case_decide_review(case=c, actor=u, **d),
                      gettext_lazy("Review decision recorded.")),
}


def _form_errors(form) -> str:
    return " ".join(f"{form.fields[k].label if k in form.fields else ''}: {'；'.join(v)}".lstrip(": ")
                    for k, v in form.errors.items())


def _flash_key(case, action: str) -> str:
    return f"reviews:{case.pk}:{action}"


@login_required
@require_POST
def case_action(request, case_id: int, action: str):
    case = case_get_for_user(user=request.user, case_id=case_id)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    form_class, call, success = spec
    form = form_class(request.POST, request.FILES, case=case)
    if form.is_valid():
        data = form.service_kwargs() if hasattr(form, "service_kwargs") else form.cleaned_data
        try:
            call(case, request.user, data)
        except ApplicationError as exc:
            if exc.status_code == 403:
                return render(request, "403.html", status=403)
            messages.error(request, exc.message)
            form_flash_keep(request, key=_flash_key(case, action))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            form_flash_keep(request, key=_flash_key(case, action))
        else:
            messages.success(request, success)
            return redirect(case_page_url(case.pk) + "#reviews-panel")
    else:
        messages.error(request, _form_errors(form))
        form_flash_keep(request, key=_flash_key(case, action), form=form)
    # No fragment: the browser would scroll to it after the page's script has
    # brought the kept form into view and taken the focus away from it.
    return redirect(case_page_url(case.pk))


def case_panel_context(request, case) -> dict | None:
    """The panel of the case page: the record from verification on, and the
    forms of the steps ``request.user`` may take now."""
    # Nothing to show before acceptance (a proactive case is accepted when
    # opened); a case refused at intake never reaches verification.
    if case.accepted_at is None:
        return None
    user = request.user
    record = selectors.review_record(case=case, internal=case_sees_internal(case=case, user=user))
    actions = set(case_actions_for_user(case=case, user=user))
    forms = {}
    names = actions & set(ACTIONS)
    if "deliberate" in actions or "decide_review" in actions:
        names |= {"vote", "deliberate", "confirm_vote", "void_meeting"}
    if "assign" in actions:
        names.add("mark_recusal")
    for name in sorted(names):
        # Distinct ids: several forms share field names on one page.
        # A refused step comes back with what was typed (core.form_flash).
        forms[name] = form_flash_bind(
            request, key=_flash_key(case, name),
            build=lambda data, name=name: ACTIONS[name][0](data, case=case, auto_id=f"rv-{name}-%s"))
    kind = "review" if case.stage == "review" else "first"
    meeting = next((m for m in reversed(record["meetings"]) if m.kind == kind and not m.voided_at), None)
    vote_state = _vote_state(meeting, user, forms)
    # Which steps are ready (feedback once per ruling, review once) is the
    # steps' own declaration (reviews/steps.py), not trimmed here.
    # Pre-filed measures (事前报备) the case cites, through the hook of the
    # pre-filings app: the assessment sets what was declared beside what happened.
    cited = hook("case", "prefilings_cited", _none_cited)
    return {
        **record,
        "prefiling_citations": cited(case=case),
        "forms": forms,
        "current_meeting": meeting,
        **vote_state,
        "quorum": _quorum_hint(case, forms),
        "inspector_choices": selectors.inspectors_for(case=case) if "assign" in actions else [],
    }


def _vote_state(meeting, user, forms) -> dict:
    """What the user may do at the current meeting: vote for himself (if
    present and not yet voted), confirm a vote recorded for him, record
    votes for others (the minute-taker only)."""
    if meeting is None:
        for name in ("vote", "confirm_vote", "void_meeting"):
            forms.pop(name, None)
        return {"my_vote": None, "can_proxy": False}
    present = {u.pk for u in meeting.members_present.all()}
    mine = next((v for v in meeting.votes.all() if v.member_id == user.pk), None)
    can_proxy = meeting.recorded_by_id == user.pk
    if mine is None or mine.confirmed_at is not None:
        forms.pop("confirm_vote", None)
    if (user.pk not in present or (mine is not None and mine.confirmed_at is not None)) and not can_proxy:
        forms.pop("vote", None)
    if "vote" in forms and not can_proxy:
        forms["vote"].fields.pop("member", None)
    elif "vote" in forms:
        forms["vote"].fields["member"].queryset = meeting.members_present.model.objects.filter(
            pk__in=present).order_by("username")
    return {"my_vote": mine, "can_proxy": can_proxy}


def _quorum_hint(case, forms) -> dict | None:
    """Members entitled to sit and the quorum, for the meeting form's live
    count (static/js/app.js) before it is saved."""
    if "deliberate" not in forms:
        return None
    total = len(selectors.eligible_members_for(case=case))
    return {"total": total, "required": services.quorum_for(case, total)}


def _none_cited(*, case):
    return []


@login_required
def case_record(request, case_id: int):
    """The verification-to-review record of one case on a page of its own
    (the case page embeds the same panel)."""
    case = case_get_for_user(user=request.user, case_id=case_id)
    context = case_panel_context(request, case) or {}
    return render(request, "reviews/case_page.html", {**context, "case": case})


QUEUES = {
    "supervisor": (Role.SUPERVISOR, selectors.supervisor_queue, gettext_lazy("Cases to assign")),
    "inspector": (Role.INSPECTOR, selectors.inspector_queue, gettext_lazy("My verification cases")),
    "committee": (Role.COMMITTEE, selectors.committee_queue, gettext_lazy("Deliberation and review")),
}


def _queue(request, which: str):
    role, selector, title = QUEUES[which]
    if not user_has_role(request.user, role):
        return render(request, "403.html", status=403)
    if which == "supervisor":
        rows = selectors.queue_rows(selectors.supervisor_queue_rows(user=request.user, limit=200))
    else:
        rows = selectors.queue_rows(selector(user=request.user)[:200])
    for row in rows:
        row.url = case_page_url(row.pk)
    return render(request, "reviews/queue.html", {
        "rows": rows, "title": title, "which": which,
    })


@login_required
def supervisor_queue(request):
    return _queue(request, "supervisor")


@login_required
def inspector_queue(request):
    return _queue(request, "inspector")


@login_required
def committee_queue(request):
    return _queue(request, "committee")


@login_required
@require_http_methods(["GET", "POST"])
def proactive_create(request):
    """主动容错: an inspector opens a case for a cadre and unit."""
    if not user_has_role(request.user, Role.INSPECTOR):
        return render(request, "403.html", status=403)
    form = f.ProactiveForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open_proactive(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("Proactive case %(number)s opened.") % {"number": case.number})
            return redirect(case_page_url(case.pk))
    return render(request, "reviews/proactive_form.html", {"form": form}, status=400 if form.errors else 200)
