"""The content snapshot of a letter, taken when it is issued.

Everything the template prints is copied here (JSON), so that a letter can be
rendered again — after a template fix — and say exactly what it said.

Keys every letter has: ``kind``, ``title``, ``number``, ``issuing_body``,
``masthead``, ``masthead_class``, ``recipient``, ``date`` (ISO) and
``date_cn`` (二〇二六年十一月二十二日), ``cc`` (list), ``case`` (number, title,
applicant, unit, origin, matter, submitted_on(_cn), accepted_on(_cn)) and
``policy`` (document_title, document_number, version).

``signers`` (the issuing body, and the 组织部门 where the version's procedure
rules jointly) and ``mark`` (参照同类规定拟定，待核定 or 示例默认，待核定 —
printed after any item nobody has confirmed against the jurisdiction's text:
``item_mark``).

Issue 16: a letter states only what the case's version configures. Every
time limit, consequence and remedy below comes from the version in force for
the case (its time limits, the clock that runs them, ``procedure``); a key
the version does not configure is empty and its sentence is not printed.

Keys by kind, taken from the case when the caller does not pass them:

- ``acceptance``: ``limit`` (the verification time limit, e.g. "30个工作日",
  counted from acceptance as the verification clock is), ``limit_due_on``
  (that clock's due date), ``note``;
- ``supplement`` (``ref`` = the SupplementRequest id): ``missing``,
  ``due_on``/``due_on_cn``, ``lapse`` (what follows an unanswered request,
  only if the version states it: ``procedure.statements.supplement_lapse``);
- ``not_accepted``: ``reason`` (the NOT_ACCEPTED event's reason);
- ``ruling`` — the ruling service must pass:
  ``result`` ("exempt" | "mitigated" | "rejected", required),
  ``reasons`` (认定理由, text),
  ``assessment``: list of ``{"item_id": <PolicyItem id of the case's policy
  version>, "finding": "met" | "not_met" | "applies" | "not_applies",
  "note": ""}`` — the items are printed by kind and number,
  ``result_uses``: list of ``{"item_id": <result_use item id> or "text": "…",
  "duration_months": int | None}`` (duration defaults to the item's
  default_duration_months),
  ``facts`` (基本事实: the inspectors' findings and the records bearing
  them out, built by the ruling step; never the applicant's own account),
  ``meeting_on`` (date of the collective deliberation, ISO),
  ``review_limit`` (the version's ``review_request`` time limit, counted
  from the day the ruling is recorded as its clock is; "" when the version
  sets none or only an example default, and then the remedy states no
  limit), ``review_due_on`` (that
  clock's due date), ``review_offered`` (always: every case may ask once for
  a 复核, so the remedy is printed, stating no limit when none is stated),
  ``review_provided`` (``procedure.review`` is set: the remedy refers to the
  version's 办法), ``review_body`` (``procedure.review.body``; "" names no
  body — letters issued before kept 本机关), ``review_not_suspended``
  (``procedure.statements.review_not_suspended``), ``mode`` ("application" |
  "unit" | "proactive": how the ruling opens);
- ``review_decision``: ``decision`` ("upheld" | "changed"), ``result``,
  ``reasons``, ``original_number`` (defaults to the ruling letter's number),
  ``requested_on``, ``meeting_on``, ``appeal_path``
  (``procedure.appeal.path``; nothing printed without it);
- ``correction_notice``: ``problems`` (text), ``steps`` (list of
  correction_step item ids or ``{"text": …}``; defaults to the policy's
  correction steps), ``due_on`` (ISO);
- ``preliminary_notice``: ``result`` (the recommended result), ``summary``,
  ``defence_limit`` (the version's defence limit taken from its text,
  counted from this notice as its clock is; without it the 申辩 is told
  with no window) and ``defence_due_on``;
- ``clarification``: ``findings``, ``statement``, ``scope`` ("unit" |
  "system" | "public"), ``method`` ("letter" | "meeting" | "notice");
- ``report_clarification`` (clarifications): ``report_received_on``
  (ISO), ``points`` (list of ``{"number", "allegation", "finding",
  "finding_label", "basis"}``: only the points found other than true are
  cleared), ``scope``, ``method``; never the reporter;
- ``prefiling_registration``: ``measure``, ``risks``;
- ``result_use_notice`` (careers; ``ref`` = the ruling id): ``recipient``
  (the organization department), ``result``, ``decided_on``, ``uses``
  (list of ``{"title", "text", "period", "mark"}``, the period as printed
  or "", the mark as ``item_mark``);
- ``revocation`` (careers): ``reason``, ``held_on``, ``original_number``,
  ``uses`` (the titles withdrawn).
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.exceptions import ApplicationError
from core.subjects import hook
from policies import procedure
from policies.selectors import stage_time_limit_stated

from .models import LETTER_TITLES, LetterKind

DIGITS = "〇一二三四五六七八九"

RESULT_LABELS = {
    "exempt": "予以容错、免予问责",
    "mitigated": "予以容错、从轻或者减轻处理",
    "rejected": "不予容错",
}
# 从轻 and 减轻 apart (issue 16), where the ruling says which.
MITIGATION_LABELS = {"lighter": "予以容错、从轻处理", "reduced": "予以容错、减轻处理"}


def result_words(result: str, mitigation: str = "") -> str:
    """The result as a letter words it: 从轻 or 减轻 where the ruling says
    which (issue 16), else the result's own words."""
    if result == "mitigated" and mitigation in MITIGATION_LABELS:
        return MITIGATION_LABELS[mitigation]
    return RESULT_LABELS.get(result, "")


FINDING_LABELS = {
    "met": "符合",
    "not_met": "不符合",
    "applies": "适用",
    "not_applies": "不适用",
}
ITEM_KIND_LABELS = {
    "condition": "容错条件",
    "positive": "容错情形",
    "negative": "负面清单",
    "result_use": "结果运用",
    "correction_step": "纠错措施",
    "disclosure_scope": "公开范围",
    "distinction": "三个区分开来",
    "factor": "综合分析因素",
}
UNIT_LABELS = {"working_day": "个工作日", "calendar_day": "日", "month": "个月"}
SCOPE_LABELS = {"unit": "本单位", "system": "本系统", "public": "社会公开"}

ERR_RESULT = gettext_noop("A ruling letter needs a result: exempt, mitigated or rejected.")
ERR_ITEM = gettext_noop("Policy item %(id)s is not part of the case's policy version.")
ERR_SUPPLEMENT = gettext_noop("Supplement request %(ref)s does not belong to this case.")
# Printed after an item nobody has confirmed against the jurisdiction's own
# text, so that a letter never cites a drafted item as if it were the 办法.
MARK = "参照同类规定拟定，待核定"
# An example default (a value no source gives) is as unconfirmed: a letter
# that cites it says so in its text (issue 16).
EXAMPLE_MARK = "示例默认，待核定"
LETTER_MARKS = {"reconstructed": MARK, "example_default": EXAMPLE_MARK}


def item_mark(item) -> str:
    """The mark a letter prints after ``item`` (PolicyItem.is_unconfirmed
    decides; this is its wording inside a letter's parentheses)."""
    return LETTER_MARKS.get(item.certainty, MARK) if item.is_unconfirmed else ""


def _number_cn(n: int) -> str:
    """Chinese numerals for day and month (1–31): 十一, 二十二."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


def date_cn(value) -> str:
    """二〇二六年十一月二十二日 (digits of the year read one by one)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    year = "".join(DIGITS[int(d)] for d in str(value.year))
    return f"{year}年{_number_cn(value.month)}月{_number_cn(value.day)}日"


def _local_date(value):
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def issuing_body_for(case) -> str:
    jurisdiction = getattr(case.policy_version.document, "jurisdiction", None)
    if jurisdiction and jurisdiction.issuing_body:
        return jurisdiction.issuing_body
    return f"中共{case.jurisdiction.name}纪律检查委员会"


def number_body_for(case) -> str:
    """The 机关代字 of the letter number: the policy jurisdiction's letter
    prefix, else the jurisdiction's short name + 纪容."""
    jurisdiction = case.policy_version.document.jurisdiction
    if jurisdiction.letter_prefix:
        return jurisdiction.letter_prefix
    return f"{case.jurisdiction.short_name or case.jurisdiction.name[:1]}纪容"


def _masthead_class(text: str) -> str:
    length = len(text)
    if length <= 10:
        return ""
    if length <= 13:
        return "mh-m"
    if length <= 16:
        return "mh-s"
    return "mh-xs"


def _limit_text(limit) -> str:
    if not limit:
        return ""
    amount, unit = (limit["amount"], limit["unit"]) if isinstance(limit, dict) else (limit.amount, limit.unit)
    return f"{amount}{UNIT_LABELS.get(unit, '日')}"


def _clause(text: str) -> str:
    """An item's text without its closing punctuation, to sit inside a
    sentence of the letter."""
    return (text or "").strip().rstrip("。；;，,.")


def _policy_items(case) -> dict:
    return {item.id: item for item in case.policy_version.items.all()}


def _item(items: dict, item_id):
    try:
        return items[int(item_id)]
    except (KeyError, TypeError, ValueError):
        raise ApplicationError(_(ERR_ITEM) % {"id": item_id}) from None


def _time_limit(case, stage):
    # Only a limit from the jurisdiction's own text: an example default
    # runs the clock but is not printed as the rule (issue 16).
    return stage_time_limit_stated(version=case.policy_version, stage=stage)


def _clock_due(case, stage) -> str:
    """The due date (ISO) of the case's newest clock for ``stage``: the
    letter prints the date the clock will enforce, not a count of its own."""
    clock = case.clocks.filter(stage=stage).exclude(due_date=None).order_by("-id").first()
    return clock.due_date.isoformat() if clock else ""


def _article(item) -> str:
    return f"（{item.article}）" if item.article else ""


def _case_part(case) -> dict:
    submitted = _local_date(case.submitted_at)
    accepted = _local_date(case.accepted_at)
    return {
        "id": case.id,
        "number": case.number,
        "title": case.title,
        "applicant": case.applicant.display_name,
        "unit": case.unit.name,
        "origin": case.origin,
        "matter": case.matter,
        "facts_reasons": case.facts_reasons,
        "submitted_on": submitted.isoformat() if submitted else "",
        "submitted_on_cn": date_cn(submitted) if submitted else "",
        "accepted_on": accepted.isoformat() if accepted else "",
        "accepted_on_cn": date_cn(accepted) if accepted else "",
    }


def _last_event_reason(case, kind: str) -> str:
    event = case.events.filter(kind=kind).order_by("-created_at", "-id").first()
    return event.reason if event else ""


def _ruling(case, data: dict) -> dict:
    if data.get("result") not in RESULT_LABELS:
        raise ApplicationError(_(ERR_RESULT))
    items = _policy_items(case)
    assessment = []
    for row in data.get("assessment", []):
        item = _item(items, row.get("item_id"))
        assessment.append({
            "item_id": item.id,
            "kind": item.kind,
            "number": item.number,
            "label": f"{ITEM_KIND_LABELS.get(item.kind, item.kind)}第{item.number}项{_article(item)}",
            # Verbatim, as the version holds it (issue 16: letters cite the
            # items verbatim), with the mark when nobody has confirmed it.
            "text": (item.text or "").strip(),
            "mark": item_mark(item),
            "finding": FINDING_LABELS.get(row.get("finding"), row.get("finding", "")),
            "note": row.get("note", ""),
        })
    uses = []
    for row in data.get("result_uses", []):
        if row.get("item_id") is not None:
            item = _item(items, row["item_id"])
            text = _clause(item.text)
            # A default period marked as an example default is not stated.
            months = row.get("duration_months",
                             item.default_duration_months if item.duration_confirmed else None)
            mark = item_mark(item)
        else:
            text, months, mark = _clause(row.get("text", "")), row.get("duration_months"), ""
        uses.append({"text": text, "duration_months": months, "mark": mark,
                     "duration": f"{months}个月" if months else ""})
    review_limit = data.get("review_limit") or _time_limit(case, "review_request")
    version = case.policy_version
    # Measures the unit pre-filed (事前报备) and the case cites (the hook of
    # the pre-filings app): the ruling sets what was declared in advance
    # beside what happened.
    cited = hook("case", "prefiling_letter_context", _no_prefilings)
    return {
        "prefilings": [{k: str(v) for k, v in p.items()} for p in cited(case=case)],
        "result": data["result"],
        "result_label": MITIGATION_LABELS.get(data.get("mitigation", "")) if data["result"] == "mitigated"
        and data.get("mitigation") else RESULT_LABELS[data["result"]],
        "reasons": data.get("reasons", ""),
        # 基本事实: the facts as the inspectors found them, passed by the
        # ruling step (issue 22); never the applicant's own 事实与理由.
        "facts": data.get("facts") or "",
        "assessment": assessment,
        "result_uses": uses,
        "meeting_on": data.get("meeting_on", ""),
        "meeting_on_cn": date_cn(data.get("meeting_on")),
        # No fallback: a version without a review time limit prints no
        # review remedy (the former "一个月" was configured nowhere).
        "review_limit": _limit_text(review_limit),
        "review_due_on": _clock_due(case, "review_request") if review_limit else "",
        # Every case may ask once for a 复核 (the reviews app's step, in every
        # version), so the remedy is always printed; the body only as the
        # version names it, the 办法 cited for it only where the version says
        # its text provides a 复核 (procedure.review), the limit only as
        # stated above.
        "review_offered": True,
        "review_provided": procedure.review_provided(version),
        "review_body": data.get("review_body") or procedure.review_body(version),
        "review_not_suspended": procedure.statement(version, "review_not_suspended"),
        "mode": {"unit": "unit", "proactive": "proactive"}.get(case.origin, "application"),
    }


def _signers(case, body: str) -> list[str]:
    """Who signs: the issuing body, and the 组织部门 where the version says
    the ruling is made jointly (both sign the 认定书)."""
    joint = procedure.joint_ruling(case.policy_version)
    return [body, joint["body"]] if joint and joint.get("body") else [body]


def _no_prefilings(*, case) -> list:
    return []


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def build_context(*, case, kind: str, ref: str, number: str, issued_on: dt.date, data: dict) -> dict:
    """The snapshot: what the case says now, overlaid by ``data`` (the
    caller's keys, which win)."""
    body = issuing_body_for(case)
    # Every letter goes to a person or a unit: the letter format (信函格式,
    # GB/T 9704 §10.1), whose mark is the body's name alone, not "…文件"
    # (issue 22: "…委员会文件" on a letter laid out as a 信函).
    masthead = body
    policy = case.policy_version
    recipient = case.unit.name if case.origin == "unit" else f"{case.applicant.display_name}同志"
    context = {
        "kind": kind,
        "title": LETTER_TITLES[kind],
        "number": number,
        "ref": ref,
        "issuing_body": body,
        "masthead": masthead,
        "masthead_class": _masthead_class(masthead),
        "recipient": recipient,
        "date": issued_on.isoformat(),
        "date_cn": date_cn(issued_on),
        "cc": [case.unit.name] if case.origin != "unit" else [],
        "signers": [body],
        "case": _case_part(case),
        "policy": {
            "document_title": policy.document.title,
            "document_number": policy.document.number,
            "version": policy.number,
        },
    }
    extra = _jsonable(dict(data))
    if kind == LetterKind.ACCEPTANCE:
        context["limit"] = _limit_text(_time_limit(case, "verification"))
        context["limit_due_on"] = _clock_due(case, "verification") if context["limit"] else ""
        context["note"] = ""
    elif kind == LetterKind.SUPPLEMENT:
        request = case.supplement_requests.filter(pk=ref).first() if ref.isdigit() else None
        if request is None and "missing" not in extra:
            raise ApplicationError(_(ERR_SUPPLEMENT) % {"ref": ref})
        if request is not None:
            context["missing"] = request.missing
            context["due_on"] = request.due_date.isoformat()
        context["lapse"] = procedure.statement(policy, "supplement_lapse")
    elif kind == LetterKind.NOT_ACCEPTED:
        context["reason"] = _last_event_reason(case, "not_accepted")
    elif kind == LetterKind.RULING:
        context.update(_ruling(case, extra))
        context["signers"] = _signers(case, body)
        # A joint ruling says so in its opening too (both bodies sign).
        context["joint_body"] = context["signers"][1] if len(context["signers"]) > 1 else ""
        for key in ("result", "assessment", "result_uses", "review_limit", "meeting_on", "facts"):
            extra.pop(key, None)
    elif kind == LetterKind.REVIEW_DECISION:
        result = extra.get("result") or case.outcome
        context["result"] = result
        context["result_label"] = RESULT_LABELS.get(result, "")
        context["decision"] = "upheld"
        ruling = case.letters.filter(kind=LetterKind.RULING).order_by("-id").first()
        context["original_number"] = ruling.number if ruling else ""
        context["appeal_path"] = procedure.appeal_path(policy)
        # A joint version's 复核 decision is countersigned too: both sign (issue 16).
        context["signers"] = _signers(case, body)
        context["joint_body"] = context["signers"][1] if len(context["signers"]) > 1 else ""
    elif kind == LetterKind.CORRECTION_NOTICE:
        items = _policy_items(case)
        steps = extra.pop("steps", None)
        if steps is None:
            # A step nobody has confirmed says so (issue 16), as in the 认定书.
            context["steps"] = [{"text": i.text, "mark": item_mark(i)}
                                for i in sorted(items.values(), key=lambda i: i.number)
                                if i.kind == "correction_step"]
        else:
            context["steps"] = [
                {"text": _item(items, s).text, "mark": item_mark(_item(items, s))} if not isinstance(s, dict)
                else {"text": s.get("text", ""), "mark": ""}
                for s in steps
            ]
    elif kind == LetterKind.PRELIMINARY_NOTICE:
        result = extra.get("result") or ""
        context["result_label"] = RESULT_LABELS.get(result, "")
        context["defence_limit"] = _limit_text(_time_limit(case, "defence"))
        context["defence_due_on"] = _clock_due(case, "defence") if context["defence_limit"] else ""
    elif kind == LetterKind.CLARIFICATION:
        context["scope"] = "unit"
    context.update(extra)
    # Derived Chinese dates for the ISO dates the caller may have passed.
    for key in ("due_on", "requested_on", "meeting_on", "limit_due_on", "review_due_on", "defence_due_on",
                "report_received_on"):
        if context.get(key) and not context.get(f"{key}_cn"):
            context[f"{key}_cn"] = date_cn(context[key])
    if kind in (LetterKind.CLARIFICATION, LetterKind.REPORT_CLARIFICATION):
        context["scope_label"] = SCOPE_LABELS.get(context.get("scope"), context.get("scope", ""))
    if kind == LetterKind.REVIEW_DECISION:
        context["result_label"] = RESULT_LABELS.get(context.get("result"), context.get("result_label", ""))
        if context.get("result") == "mitigated" and context.get("mitigation") in MITIGATION_LABELS:
            context["result_label"] = MITIGATION_LABELS[context["mitigation"]]
    return context
