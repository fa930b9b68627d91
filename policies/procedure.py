"""The procedure variants of a policy version (``PolicyVersion.procedure``).

Each jurisdiction's 办法 sets its own procedure; nothing here is a default
rule. A key that is absent means the version does not configure it: the
steps fall back to the system's neutral behaviour where one exists (a unit
review for individual applications, as DESIGN §2), and the letters print
nothing that depends on it (issue 16: "a statement with no configured source
is not printed").

Every configured entry carries the ``source`` it was taken from (an article
of the 办法, or the admin's note) so that what a letter prints can be traced.

Schema (all keys optional)::

    unit_review:        {required_for: ["individual"], source}
                        origins whose applications go through the unit's
                        party organisation first ([] = none do)
    correction:         {mode: "five_steps" | "four_forms" | "unspecified", source,
                         forms: [{form: "first"…"fourth", handling}]}
                        # forms: four_forms only; each form's handling as the
                        # 办法 states it (FOUR_FORMS gives the wording)
                        "unspecified": the 办法 names no correction
                        procedure (its source says what the text does say);
                        the correction is one record of what is corrected
                        and how, shown as 参照同类规定拟定（待核定）, and no
                        letter states a correction step. An absent key
                        behaves the same (not configured).
    preliminary_notice: {required: bool, source}
                        a written 初步认定意见告知书 before 申辩
    hearing:            {required_when: "major_public_interest", source}
    joint_ruling:       {with: "org_department", body: "中共××县委组织部", source}
                        both bodies sign the 认定书
    majority:           {numerator, denominator, source}   # of members present
    quorum_source:      text (where the version's quorum fields come from)
    review:             {source, body: "…" (optional)}   # the 办法 provides a
                        复核 (source: its article); body: who decides it, named
                        in letters only when set
    appeal:             {path: "…", source}   # the 申诉 path after 复核
    disclosure:         {hide_unit: bool, source}   # the unit's name is hidden
                        by default when outcomes are published
    prevention:         {procedures: [collective_decision, expert_consultation,
                         hearing, legal_review], source}   # 防错 (issue 18):
                        the decision procedures a pre-filing declares
    statements:         {<key>: {text, source}}  consequences a letter may
                        state, by key: supplement_lapse (补正逾期的后果),
                        review_not_suspended (复核期间不停止执行)
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

ORIGINS = ("individual", "unit", "proactive")
CORRECTION_MODES = ("five_steps", "four_forms", "unspecified")
STATEMENT_KEYS = ("supplement_lapse", "review_not_suspended")
KNOWN_KEYS = (
    "unit_review", "correction", "preliminary_notice", "hearing", "joint_ruling", "majority",
    "quorum_source", "review", "appeal", "statements", "disclosure", "prevention",
)
# The decision procedures a pre-filing may declare (prefilings.Procedure's
# codes); a version names those of its 防错 rules.
PREVENTION_PROCEDURES = ("collective_decision", "expert_consultation", "hearing", "legal_review")

# 四种形态 in current wording, verbatim as both articles state them (with
# their “红红脸、出出汗” in Chinese double quotes): 《中国共产党党内监督条例》
# 第七条 ("党内监督必须把纪律挺在前面，运用监督执纪“四种形态”，…") and
# 《中国共产党纪律处分条例》（2023年修订）第五条 ("深化运用监督执纪“四种形态”，…").
# The handling of each form is the jurisdiction's own (its 办法 says it:
# ``correction.forms``); the wording is central.
FOUR_FORMS = (
    ("first", "经常开展批评和自我批评、约谈函询，让“红红脸、出出汗”成为常态"),
    ("second", "党纪轻处分、组织调整成为违纪处理的大多数"),
    ("third", "党纪重处分、重大职务调整的成为少数"),
    ("fourth", "严重违纪涉嫌违法立案审查的成为极少数"),
)
FOUR_FORMS_SOURCE = "《中国共产党党内监督条例》第七条；《中国共产党纪律处分条例》（2023年修订）第五条"
FOUR_FORM_ORDINALS = {"first": "第一种形态", "second": "第二种形态", "third": "第三种形态", "fourth": "第四种形态"}

ERR_UNKNOWN_KEY = gettext_noop("Unknown procedure setting: %(key)s.")
ERR_SOURCE = gettext_noop("The procedure setting “%(key)s” needs its source (the article of the 办法).")
ERR_ORIGIN = gettext_noop("Unknown origin: %(origin)s.")
ERR_MODE = gettext_noop(
    "The correction procedure must be Kunming's five steps, the four forms, or unspecified (the 办法 names none)."
)
ERR_FRACTION = gettext_noop("The majority must be a fraction between 0 and 1, such as 1/2.")
ERR_TEXT = gettext_noop("The procedure setting “%(key)s” needs its text.")
ERR_FORM = gettext_noop(
    "Each of the four forms configured needs its form (first, second, third or fourth) and its handling, once."
)


def procedure_validate(procedure: dict) -> dict:
    """Raise ``ValidationError`` for a malformed procedure; return it."""
    if not isinstance(procedure, dict):
        raise ValidationError({"procedure": _(ERR_UNKNOWN_KEY) % {"key": type(procedure).__name__}})
    for key, value in procedure.items():
        if key not in KNOWN_KEYS:
            raise ValidationError({"procedure": _(ERR_UNKNOWN_KEY) % {"key": key}})
        if key == "quorum_source":
            continue
        entries = value.items() if key == "statements" else [(key, value)]
        for name, entry in entries:
            if key == "statements" and name not in STATEMENT_KEYS:
                raise ValidationError({"procedure": _(ERR_UNKNOWN_KEY) % {"key": f"statements.{name}"}})
            if not isinstance(entry, dict) or not str(entry.get("source", "")).strip():
                raise ValidationError({"procedure": _(ERR_SOURCE) % {"key": name}})
    for origin in (procedure.get("unit_review") or {}).get("required_for", []):
        if origin not in ORIGINS:
            raise ValidationError({"procedure": _(ERR_ORIGIN) % {"origin": origin}})
    if "correction" in procedure and procedure["correction"].get("mode") not in CORRECTION_MODES:
        raise ValidationError({"procedure": _(ERR_MODE)})
    forms = (procedure.get("correction") or {}).get("forms") or []
    codes = [f.get("form") if isinstance(f, dict) else None for f in forms]
    if forms and (procedure["correction"].get("mode") != "four_forms" or len(set(codes)) != len(codes)
                  or any(c not in FOUR_FORM_ORDINALS or not str(f.get("handling", "")).strip()
                         for c, f in zip(codes, forms, strict=True))):
        raise ValidationError({"procedure": _(ERR_FORM)})
    for code in (procedure.get("prevention") or {}).get("procedures", []):
        if code not in PREVENTION_PROCEDURES:
            raise ValidationError({"procedure": _(ERR_UNKNOWN_KEY) % {"key": f"prevention.{code}"}})
    majority = procedure.get("majority")
    if majority is not None:
        n, d = majority.get("numerator"), majority.get("denominator")
        if not (isinstance(n, int) and isinstance(d, int) and 0 < n < d):
            raise ValidationError({"procedure": _(ERR_FRACTION)})
    # A review setting may name no body (the 办法 provides a 复核 without
    # saying who decides it); an appeal setting is its path.
    if "appeal" in procedure and not str(procedure["appeal"].get("path", "")).strip():
        raise ValidationError({"procedure": _(ERR_TEXT) % {"key": "appeal"}})
    for name, entry in (procedure.get("statements") or {}).items():
        if not str(entry.get("text", "")).strip():
            raise ValidationError({"procedure": _(ERR_TEXT) % {"key": name}})
    return procedure


def _proc(version) -> dict:
    return getattr(version, "procedure", None) or {}


def unit_review_required(version, origin: str) -> bool:
    """Whether an application of ``origin`` goes through unit review first.
    Not configured: individual applications do (DESIGN §2), unit and
    proactive ones do not."""
    setting = _proc(version).get("unit_review")
    if setting is None:
        return origin == "individual"
    return origin in setting.get("required_for", [])


def correction_mode(version) -> str:
    """``five_steps`` (Kunming) or ``four_forms`` (四种形态 分类处置), or ""
    when the version does not say how errors are corrected (``unspecified``
    or no setting): then the correction is one record, nothing binding."""
    mode = (_proc(version).get("correction") or {}).get("mode", "")
    return "" if mode == "unspecified" else mode


def four_forms(version) -> list[dict]:
    """The four forms of a version that corrects by them (``four_forms``
    mode), each ``{"form", "ordinal", "wording", "handling"}``: the wording
    central (FOUR_FORMS, cited as FOUR_FORMS_SOURCE), the handling the
    version's own (``correction.forms``; "" where its text says none).
    [] for any other version."""
    if correction_mode(version) != "four_forms":
        return []
    handling = {f["form"]: f["handling"].strip() for f in (_proc(version).get("correction") or {}).get("forms", [])}
    return [{"form": code, "ordinal": FOUR_FORM_ORDINALS[code], "wording": wording, "handling": handling.get(code, "")}
            for code, wording in FOUR_FORMS]


def correction_source(version) -> str:
    """Where the version's correction setting comes from ("" if none)."""
    return (_proc(version).get("correction") or {}).get("source", "")


def preliminary_notice_required(version) -> bool:
    return bool((_proc(version).get("preliminary_notice") or {}).get("required"))


def hearing_required_when(version) -> str:
    return (_proc(version).get("hearing") or {}).get("required_when", "")


def joint_ruling(version) -> dict | None:
    """``{"with": "org_department", "body": …}`` when the 组织部门 co-rules."""
    return _proc(version).get("joint_ruling") or None


def majority(version) -> tuple[int, int] | None:
    """The share of members present that carries a decision, if configured."""
    setting = _proc(version).get("majority")
    if not setting:
        return None
    return setting["numerator"], setting["denominator"]


def review_provided(version) -> bool:
    """Whether the version says its 办法 provides a 复核 (``procedure.review``
    with its source), so that a letter may refer to the 办法 for it."""
    return "review" in _proc(version)


def review_source(version) -> str:
    return (_proc(version).get("review") or {}).get("source", "")


def review_body(version) -> str:
    return (_proc(version).get("review") or {}).get("body", "")


def appeal_path(version) -> str:
    return (_proc(version).get("appeal") or {}).get("path", "")


def hides_unit(version) -> bool | None:
    """Whether published outcomes hide the unit's name by default, if the
    version says (``disclosure.hide_unit``); None when it does not."""
    setting = _proc(version).get("disclosure")
    return None if setting is None else bool(setting.get("hide_unit"))


def statement(version, key: str) -> str:
    """The text of a consequence the version lets a letter state, or ""."""
    return ((_proc(version).get("statements") or {}).get(key) or {}).get("text", "")


def prevention_procedures(version) -> tuple[str, ...]:
    """The decision procedures a pre-filing under ``version`` declares
    (防错, issue 18): the version's own list, else all the system knows."""
    setting = _proc(version).get("prevention")
    return tuple(setting.get("procedures", [])) if setting else PREVENTION_PROCEDURES
