"""Reads of the correction and clarification record. The caller has
already checked that the user may see the case (``case_get_for_user``)."""

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Stage
from cases.selectors import case_parties
from cases.services import case_actions_for_user
from core.form_flash import form_flash_bind
from core.steps import step_cache_seed, steps_of
from policies.models import Certainty
from policies.procedure import FOUR_FORMS_SOURCE, correction_mode, correction_source, four_forms
from reviews.models import Ruling

from . import forms
from .models import (
    Clarification,
    Correction,
    CorrectionFile,
    RectificationReport,
    RectificationTask,
    Scope,
    UntruePoint,
)
from .services import STEP_LABELS

PANEL_STAGES = (Stage.RULED, Stage.CORRECTION, Stage.CLARIFICATION)


def correction_record(*, case: Case) -> dict:
    """Everything the panel and the API show, in a fixed number of queries
    (pinned in tests): the correction with its tasks, reports and files,
    the clarification with its untrue points, and the ruling in force."""
    correction = (
        Correction.objects.filter(case=case)
        .select_related("started_by", "notice_letter", "talk_recorded_by", "rule_recorded_by")
        .prefetch_related(
            Prefetch("tasks", queryset=RectificationTask.objects.select_related("clock", "set_by").prefetch_related(
                Prefetch("reports", queryset=RectificationReport.objects.select_related(
                    "submitted_by", "decided_by").prefetch_related("files")),
            )),
            Prefetch("rule_files", queryset=CorrectionFile.objects.all()),
        )
        .first()
    )
    clarification = (
        Clarification.objects.filter(case=case)
        .select_related("requested_by", "issued_by", "letter", "referred_by")
        .prefetch_related("points")
        .first()
    )
    ruling = Ruling.objects.filter(case=case, is_current=True).first()
    tasks = list(correction.tasks.all()) if correction else []
    return {"correction": correction, "clarification": clarification, "tasks": tasks, "ruling": ruling}


def correction_steps(*, correction: Correction | None, tasks: list[RectificationTask], case=None) -> list[dict]:
    """The five-step progress line (Kunming): each step done, current or
    to do."""
    case = case if case is not None else (correction.case if correction is not None else None)
    mode = correction_mode(case.policy_version) if case is not None else "five_steps"
    if mode == "four_forms":
        # 分类处置 (issue 16): one step, the form and its handling.
        done = correction is not None and correction.status == Correction.Status.COMPLETED
        label = correction.get_four_forms_display() if done else _("Four forms: classify and handle (分类处置)")
        return [{"number": 1, "label": label, "state": "done" if done else "current"}]
    if mode != "five_steps":
        # The 办法 names no correction procedure: one record, marked.
        done = correction is not None and correction.status == Correction.Status.COMPLETED
        return [{"number": 1, "label": _("Record what is corrected and how it is handled"),
                 "state": "done" if done else "current", "unconfigured": True}]
    skipped = correction is not None and correction.status == Correction.Status.SKIPPED
    done = [
        correction is not None and not skipped,
        bool(correction and correction.notice_sent_at),
        bool(correction and correction.talk_on),
        bool(tasks) and all(t.status == RectificationTask.Status.ACCEPTED for t in tasks),
        bool(correction and correction.rule_recorded_at),
    ]
    steps = []
    current_found = skipped
    for number, is_done in enumerate(done, 1):
        if is_done:
            state = "done"
        elif not current_found and (correction is not None or number == 1):
            state, current_found = "current", True
        else:
            state = "todo"
        steps.append({"number": number, "label": STEP_LABELS[number], "state": state})
    return steps


def correction_file_get_for_case(*, case: Case, file_id) -> CorrectionFile:
    row = CorrectionFile.objects.filter(case=case, pk=file_id).first()
    if row is None:
        raise Http404
    return row


def correction_flash_key(case: Case, action: str) -> str:
    return f"corrections:{case.pk}:{action}"


def correction_panel_context(request, case: Case) -> dict | None:
    """The case-page panel: the record, read-only to all who may see the
    case, and the forms of the actions this user may take now."""
    record = correction_record(case=case)
    if case.stage not in PANEL_STAGES and record["correction"] is None and record["clarification"] is None:
        return None
    user = request.user
    # The steps' readiness reads this record (corrections/steps.py).
    step_cache_seed(case, "corrections_record", {k: record[k] for k in ("correction", "clarification", "tasks")})
    step_cache_seed(case, "current_ruling", record["ruling"])
    mine = {name: step for name, step in steps_of("case").items() if step.app == "corrections"}
    actions = set(case_actions_for_user(case=case, user=user)) & set(mine)
    tasks = record["tasks"]
    open_tasks = [t for t in tasks if t.status == RectificationTask.Status.OPEN]
    reported_tasks = [t for t in tasks if t.status == RectificationTask.Status.REPORTED]
    labels = {name: step.label for name, step in mine.items()}
    if user.pk != case.applicant_id:
        labels["request_clarification"] = _("Propose a clarification (澄清正名)")
    context = {
        **record,
        "steps": correction_steps(correction=record["correction"], tasks=tasks, case=case),
        "actions": actions,
        "is_cadre": user.pk == case.applicant_id,
        "is_party": user in case_parties(case),
        "open_tasks": open_tasks,
        "reported_tasks": reported_tasks,
        "forms": forms.forms_for(
            actions, case=case, open_tasks=open_tasks, reported_tasks=reported_tasks, labels=labels,
            bind=lambda action, build: form_flash_bind(request, key=correction_flash_key(case, action), build=build)),
        "today": timezone.localdate(),
        # What the version says about correcting (issue 16): a 办法 that
        # names no procedure is shown so, marked as drafted, binding nothing.
        "correction_mode": correction_mode(case.policy_version),
        "correction_source": correction_source(case.policy_version),
        "unconfirmed_mark": Certainty.RECONSTRUCTED.label,
        # 四种形态分类处置: each form in its current central wording, cited,
        # with the handling the version's 办法 gives it (issue 16).
        "four_forms": four_forms(case.policy_version),
        "four_forms_source": FOUR_FORMS_SOURCE,
    }
    return context


def clarifications_public_issued():
    """Issued clarification statements whose chosen scope is public (社会公开),
    for publication: with the case and its jurisdiction loaded and the untrue
    points prefetched (the statement states those points only)."""
    return (
        Clarification.objects.filter(status=Clarification.Status.ISSUED, scope=Scope.PUBLIC)
        .select_related("case__jurisdiction", "case__unit", "case__applicant")
        .prefetch_related(Prefetch("points", queryset=UntruePoint.objects.order_by("number")))
        .order_by("-issued_at", "-id")
    )
