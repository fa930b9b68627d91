"""Pages of verification and ruling: the case panel (embedded in the case
page), its forms' POST targets, the record page, the queues and the
proactive-case form. Views parse, call one service, and redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.models import Role
from accounts.selectors import user_has_role
from cases.selectors import case_get_for_user, case_page_url, case_sees_internal
from cases.services import case_actions_for_user
from core.exceptions import ApplicationError
from core.form_flash import form_flash_bind
from core.pagination import keyset_page
from core.step_views import step_flash_key
from core.steps import steps_of
from core.subjects import hook

from . import forms as f
from . import selectors, services


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
    # The forms of this app's steps that the user may take now: exactly the
    # API's ``actions`` (the same declaration, reviews/steps/).
    forms = {}
    for name, step in steps_of("case").items():
        if step.app != "reviews" or name not in actions:
            continue
        # Distinct ids: several forms share field names on one page.
        # A refused step comes back with what was typed (core.form_flash).
        forms[name] = form_flash_bind(
            request, key=step_flash_key(step, case.pk),
            build=lambda data, step=step: step.form(data, None, case, auto_id=f"rv-{step.name}-%s"))
    kind = "review" if case.stage == "review" else "first"
    meeting = next((m for m in reversed(record["meetings"]) if m.kind == kind and not m.voided_at), None)
    vote_state = _vote_state(meeting, user, forms)
    # Which steps are ready (feedback once per ruling, review once) is the
    # steps' own declaration (reviews/steps/), not trimmed here.
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
        # Issue 16: the decision a joint version's 组织部门 has not countersigned yet.
        "countersign_awaited": selectors.countersign_awaited(case),
        # The 申辩 and 复核 windows only as the version states them (issue 16).
        "defence_window": selectors.stated_window(case=case, stage="defence") if "defend" in forms else None,
        "review_window": (selectors.stated_window(case=case, stage="review_request")
                          if "request_review" in forms else None),
        "inspector_choices": selectors.inspectors_for(case=case) if "assign" in actions else [],
    }


def _vote_state(meeting, user, forms) -> dict:
    """The user's vote at the current meeting, and whether he keeps its
    minutes (and so may record votes for others). Whether he may vote or
    confirm at all is the steps' declaration (reviews/steps/)."""
    if meeting is None:
        return {"my_vote": None, "can_proxy": False}
    present = {u.pk for u in meeting.members_present.all()}
    mine = next((v for v in meeting.votes.all() if v.member_id == user.pk), None)
    can_proxy = meeting.recorded_by_id == user.pk
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
    "countersign": (Role.ORG_DEPT, selectors.countersign_queue, gettext_lazy("Awaiting countersign (待会签)")),
}


# Rows per page of the supervisor's, the inspector's and the committee's
# queues: a page, as every list (cases.views.PAGE_SIZE), not the whole
# queue: at a province's scale the committee's holds hundreds of cases and
# rendering them all was most of the page's time (issue 19).
QUEUE_PAGE_SIZE = 20
KEYSET_QUEUES = ("inspector", "committee")


def _queue(request, which: str):
    role, selector, title = QUEUES[which]
    if not user_has_role(request.user, role):
        return render(request, "403.html", status=403)
    page = None
    if which == "supervisor":
        # Those waiting for him first: one keyset across both parts.
        cursor = request.GET.get("cursor")
        try:
            page = selectors.supervisor_queue_page(user=request.user, cursor=cursor, page_size=QUEUE_PAGE_SIZE)
        except ValidationError:
            page = selectors.supervisor_queue_page(user=request.user, cursor=None, page_size=QUEUE_PAGE_SIZE)
        rows = selectors.queue_rows(page.object_list)
    elif which not in KEYSET_QUEUES:
        rows = selectors.queue_rows(selector(user=request.user)[:200])
    else:
        # Read by keyset off the queue's index (next_due, id).
        qs = selector(user=request.user)
        try:
            page = keyset_page(qs, cursor=request.GET.get("cursor"), page_size=QUEUE_PAGE_SIZE, count=False)
        except ValidationError:
            page = keyset_page(qs, cursor=None, page_size=QUEUE_PAGE_SIZE, count=False)
        rows = selectors.queue_rows(page.object_list)
    for row in rows:
        row.url = case_page_url(row.pk)
    return render(request, "reviews/queue.html", {
        "rows": rows, "title": title, "which": which, "page": page,
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
def countersign_queue(request):
    """待会签: the 组织部门's joint decisions awaiting his countersign."""
    return _queue(request, "countersign")


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
