"""Load the shipped rule catalogues (``policies/catalogues/*.yaml``).

Idempotent: a second run finds everything as the files say and changes
nothing. It never mutates a published version (cases may reference it): if a
file changed for a version that is already published, the version is left
alone and the difference is reported; give the changed content a new
version number in the file to publish it as a new version. It never sets or
changes ``Jurisdiction.org_unit`` (admins and ``demo_data`` link it) and
fills only blank jurisdiction fields, so admin edits survive.
"""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction

from .models import Certainty, Jurisdiction, PolicyDocument, PolicyItem, PolicyVersion, StageTimeLimit, TimeUnit
from .procedure import procedure_validate
from .services import audit_repair, policy_version_create, policy_version_publish, time_limit_validate

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogues"
COMMON_FILE = "_common.yaml"
JURISDICTION_FIELDS = ("name", "level", "case_prefix", "letter_prefix", "issuing_body")
DOCUMENT_FIELDS = ("title", "issuer", "number", "source")
ITEM_FIELDS = ("title", "text", "source", "article", "certainty", "default_duration_months",
               "exempt_duration_months", "duration_certainty")
LIMIT_FIELDS = ("amount", "unit", "extension_allowed", "extension_max", "source", "certainty")
VERSION_FIELDS = ("effective_from", "start_rule", "quorum_numerator", "quorum_denominator", "notes", "procedure")


# What loads before issue 16 copied into every version from ``_common.yaml``
# (git 3b2decd^): Kunming's six result uses and five correction steps, and
# the feedback and publication texts of 昌宁/宜君 and the system's example.
# An already-published version that still holds one of these, where its own
# file does not list it, gets it marked ``copied_from`` by the repair below.
LEGACY_COPIES = {
    "result_use": ("昆明市容错免责办法（结果运用6种方式）", [
        ("党纪政纪追究", "予以容错的，免予或者从轻、减轻党纪政纪追究"),
        ("干部提拔任用", "容错免责事项不影响干部提拔任用；从轻、减轻处理的，影响期满后按规定正常使用"),
        ("职级职称晋升", "容错免责事项不影响职级晋升和职称评聘"),
        ("党风廉洁审查", "在党风廉政意见回复（廉洁审查）中，对已予容错的事项不作负面评价"),
        ("考核评选", "容错免责事项不影响年度考核、评先评优等次的确定"),
        ("表彰奖励", "容错免责事项不影响表彰奖励的评选"),
    ]),
    "correction_step": ("昆明市纠错办法（5个步骤）", [
        (t, t) for t in ("启动纠错", "发送通知", "谈话提醒", "督促整改", "完善制度")
    ]),
    "disclosure_scope": ("昌宁县、宜君县的做法及系统示例值", [
        ("反馈与报备", "认定结果书面反馈申请单位或个人，函告同级组织人事部门，并报同级党委或政府备案"),
        ("一定范围内公开", "把容错的流程、对象、事件、原因、结果等，在一定范围内公开，自觉接受群众监督"),
        ("向社会公开", "经审核后向社会公开认定结果，默认隐去姓名等可识别个人身份的信息"),
    ]),
}


class CatalogueError(ValueError):
    pass


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _expand_list(block: dict, kind: str) -> list[dict]:
    """A list block (``source``/``certainty`` defaults, ``list`` of strings or
    dicts) as item dicts numbered from 1."""
    items = []
    for n, entry in enumerate(block.get("list") or [], start=1):
        entry = {"text": entry} if isinstance(entry, str) else dict(entry)
        item = {
            "kind": kind,
            "number": n,
            "title": entry.get("title", ""),
            "text": entry["text"],
            "article": entry.get("article", ""),
            "source": entry.get("source", block.get("source", "")),
            "certainty": entry.get("certainty", block.get("certainty")),
            "default_duration_months": entry.get("default_duration_months"),
            # Absent: an exempt ruling has no impact period (models).
            "exempt_duration_months": entry.get("exempt_duration_months"),
            "duration_certainty": entry.get("duration_certainty", block.get("duration_certainty", ""))
            if entry.get("default_duration_months") is not None else "",
        }
        if entry.get("contradicts"):
            item["contradicts"] = list(entry["contradicts"])
        if item["certainty"] not in Certainty.values:
            raise CatalogueError(f"{kind} {n}: certainty must be one of {Certainty.values}")
        if not item["source"]:
            raise CatalogueError(f"{kind} {n}: every item needs its source")
        items.append(item)
    return items


def _expand_limits(table: dict) -> dict[str, dict]:
    limits = {}
    for stage, spec in table.items():
        limit = {
            "stage": stage,
            "amount": spec["amount"],
            "unit": spec.get("unit", TimeUnit.WORKING_DAY),
            "extension_allowed": bool(spec.get("extension_allowed", False)),
            "extension_max": spec.get("extension_max", 0),
            "source": spec.get("source", ""),
            "certainty": spec.get("certainty", Certainty.EXAMPLE_DEFAULT),
        }
        try:
            time_limit_validate(**{k: limit[k] for k in ("stage", "amount", "unit", "extension_allowed",
                                                          "extension_max", "certainty")})
        except Exception as exc:
            raise CatalogueError(f"time limit {stage}: {exc}") from exc
        limits[stage] = limit
    return limits


def desired_version_content(spec: dict, common: dict) -> tuple[list[dict], dict[str, dict]]:
    """The items and time limits a version spec asks for, with the common
    blocks it names merged in (its own lists replace a block's kind)."""
    own = {kind: _expand_list(block, kind) for kind, block in (spec.get("items") or {}).items()}
    by_kind: dict[str, list[dict]] = {}
    for name in spec.get("common") or []:
        block = common[name]
        by_kind[block["kind"]] = _expand_list(block, block["kind"])
    by_kind.update(own)
    for kind in by_kind:
        if kind not in PolicyItem.Kind.values:
            raise CatalogueError(f"unknown item kind {kind}")
    items = [item for kind in PolicyItem.Kind.values for item in by_kind.get(kind, [])]
    limits = _expand_limits(common.get("time_limits") or {})
    limits.update(_expand_limits(spec.get("time_limits") or {}))
    return items, limits


def _version_fields(spec: dict) -> dict:
    effective_from = spec["effective_from"]
    if not isinstance(effective_from, dt.date):
        effective_from = dt.date.fromisoformat(str(effective_from))
    return {
        "effective_from": effective_from,
        "start_rule": spec.get("start_rule", PolicyVersion.StartRule.NEXT_DAY),
        "quorum_numerator": spec.get("quorum_numerator", 2),
        "quorum_denominator": spec.get("quorum_denominator", 3),
        "notes": spec.get("notes", "").strip(),
        "procedure": procedure_validate(spec.get("procedure") or {}),
    }


def _stored_content(version: PolicyVersion) -> tuple[dict, list[dict], dict[str, dict]]:
    fields = {f: getattr(version, f) for f in VERSION_FIELDS}
    items = [
        {"kind": i.kind, "number": i.number, **{f: getattr(i, f) for f in ITEM_FIELDS}}
        # A copy an admin adopted is his addition, not the file's content.
        for i in version.items.filter(adopted_at__isnull=True).order_by("kind", "number")
    ]
    limits = {t.stage: {"stage": t.stage, **{f: getattr(t, f) for f in LIMIT_FIELDS}} for t in version.time_limits.all()}
    return fields, items, limits


def _same(version: PolicyVersion, fields: dict, items: list[dict], limits: dict,
          marks: list | None = None) -> bool:
    """Whether the stored version says what the file says. An item the file
    now marks ``reconstructed`` where the store says ``summary`` counts as
    the same wording; it is appended to ``marks`` for ``_mark_reconstructed``."""
    stored_fields, stored_items, stored_limits = _stored_content(version)
    items = [{k: v for k, v in i.items() if k != "contradicts"} for i in items]

    def key(i):
        return (i["kind"], i["number"])

    wanted = sorted(items, key=key)
    stored = sorted(stored_items, key=key)
    if len(wanted) == len(stored):
        for want, have in zip(wanted, stored, strict=True):
            if (want["certainty"] == Certainty.RECONSTRUCTED and have["certainty"] == Certainty.SUMMARY
                    and {**have, "certainty": want["certainty"]} == want):
                if marks is not None:
                    marks.append(key(want))
                have["certainty"] = want["certainty"]
    return stored_fields == fields and stored == wanted and stored_limits == limits


def _mark_reconstructed(version: PolicyVersion, keys: list) -> bool:
    """Mark stored items as drafted after comparable rules (issue 16). This
    is allowed on a published version: it changes no wording and no rule,
    it only says less about the wording's authority than before."""
    changed = False
    for kind, number in keys:
        changed |= bool(
            version.items.filter(kind=kind, number=number, certainty=Certainty.SUMMARY)
            .update(certainty=Certainty.RECONSTRUCTED)
        )
    return changed


def _repair_copies(version: PolicyVersion, items: list[dict]) -> list[str]:
    """Mark the items an earlier load copied into this published version
    from another jurisdiction's list (``LEGACY_COPIES``) and that its own
    file does not list. Nothing is deleted or reworded: rulings that cited
    such an item keep it (their foreign key reads the base manager), and the
    audit log says what was marked; from now on no list, form or letter of
    the version offers it (``PolicyItemManager``). Returns what was marked."""
    own = {(i["kind"], i["title"], i["text"]) for i in items}
    marked = []
    for kind, (origin, entries) in LEGACY_COPIES.items():
        for title, text in entries:
            if (kind, title, text) in own:
                continue
            # Not one an admin adopted against his own text (services).
            rows = PolicyItem.objects.filter(version=version, kind=kind, title=title, text=text,
                                             adopted_at__isnull=True)
            for row in rows:
                row.copied_from = origin
                row.save(update_fields=["copied_from", "updated_at"])
                marked.append(f"{kind} {row.number} {title}")
    return marked


def _repair_procedure(version: PolicyVersion, fields: dict) -> bool:
    """A version loaded before procedure variants existed (policies 0006)
    has none; its file states them for the same text. Filled once, only
    where the stored version has no procedure at all."""
    if version.procedure or not fields["procedure"]:
        return False
    PolicyVersion.objects.filter(pk=version.pk).update(procedure=fields["procedure"])
    version.procedure = fields["procedure"]
    return True


def _repair(version: PolicyVersion, fields: dict, items: list[dict], report: "LoadReport") -> None:
    """The repair path for an already-published version (issue 16): copies
    marked, the procedure filled in; recorded in the policy audit log."""
    label = f"{version.document.code} v{version.number}"
    marked = _repair_copies(version, items)
    procedure = _repair_procedure(version, fields)
    if not (marked or procedure):
        return
    audit_repair(version=version, marked=marked, procedure=fields["procedure"] if procedure else None)
    if marked:
        report.updated.append(f"{label}: {len(marked)} items copied from other jurisdictions marked, apply to nothing")
    if procedure:
        report.updated.append(f"{label}: procedure filled in from the file")


def read_catalogues(directory: Path = CATALOGUE_DIR) -> tuple[dict, list[dict]]:
    common = yaml.safe_load((directory / COMMON_FILE).read_text(encoding="utf-8"))
    files = [
        yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted(directory.glob("*.yaml")) if p.name != COMMON_FILE
    ]
    return common, files


def _sync_jurisdiction(spec: dict, report: LoadReport) -> Jurisdiction:
    code = spec["code"]
    jurisdiction = Jurisdiction.objects.select_for_update().filter(code=code).first()
    if jurisdiction is None:
        jurisdiction = Jurisdiction.objects.create(code=code, **{f: spec.get(f, "") for f in JURISDICTION_FIELDS})
        report.created.append(f"jurisdiction {code}")
        return jurisdiction
    # Fill only what is blank: an admin may have edited the rest.
    blank = [f for f in JURISDICTION_FIELDS if not getattr(jurisdiction, f) and spec.get(f)]
    for f in blank:
        setattr(jurisdiction, f, spec[f])
    if blank:
        jurisdiction.save(update_fields=[*blank, "updated_at"])
        report.updated.append(f"jurisdiction {code}: {', '.join(blank)}")
    return jurisdiction


def _sync_document(jurisdiction: Jurisdiction, spec: dict, report: LoadReport) -> PolicyDocument:
    code = spec["code"]
    values = {f: spec.get(f, "") or "" for f in DOCUMENT_FIELDS}
    document = PolicyDocument.objects.select_for_update().filter(code=code).first()
    if document is None:
        document = PolicyDocument.objects.create(jurisdiction=jurisdiction, code=code, **values)
        report.created.append(f"document {code}")
        return document
    if document.jurisdiction_id != jurisdiction.pk:
        report.conflicts.append(f"document {code} belongs to another jurisdiction; left alone")
        return document
    # Document metadata is not versioned (cases reference versions), so the
    # file's title, issuer, number and source win.
    changed = [f for f in DOCUMENT_FIELDS if getattr(document, f) != values[f]]
    for f in changed:
        setattr(document, f, values[f])
    if changed:
        document.save(update_fields=[*changed, "updated_at"])
        report.updated.append(f"document {code}: {', '.join(changed)}")
    return document


def _sync_version(document: PolicyDocument, spec: dict, common: dict, report: LoadReport) -> None:
    number = int(spec["number"])
    label = f"{document.code} v{number}"
    fields = _version_fields(spec)
    items, limits = desired_version_content(spec, common)
    version = PolicyVersion.objects.filter(document=document, number=number).first()
    if version is not None and version.is_published:
        _repair(version, fields, items, report)
    if version is not None:
        marks: list = []
        if _same(version, fields, items, limits, marks):
            report.unchanged.append(label)
            if _link_contradictions(version, items):
                report.updated.append(f"{label}: contradiction pairs")
            if _mark_reconstructed(version, marks):
                report.updated.append(f"{label}: {len(marks)} items marked as drafted after comparable rules")
        elif version.is_published:
            report.conflicts.append(
                f"{label} is published and differs from the file; not changed. "
                f"Give the new content a new version number to publish it."
            )
        else:
            report.conflicts.append(f"{label} exists as a draft that differs from the file; left for its editor.")
        return
    version = policy_version_create(document=document, actor=None, number=number, **fields)
    PolicyItem.objects.bulk_create(
        PolicyItem(version=version, **{k: v for k, v in item.items() if k != "contradicts"}) for item in items
    )
    _link_contradictions(version, items)
    StageTimeLimit.objects.bulk_create(StageTimeLimit(version=version, **limit) for limit in limits.values())
    if spec.get("status", "published") == "published":
        # The shipped catalogues are examples an admin adopts and edits: they
        # are published as they stand, and the audit entry lists what in them
        # nobody has confirmed against a jurisdiction's own text.
        policy_version_publish(version=version, actor=None, acknowledge_unconfirmed=True)
    report.created.append(f"{label} ({len(items)} items, {len(limits)} time limits)")


def _link_contradictions(version: PolicyVersion, items: list[dict]) -> bool:
    """Link each item to the conditions it names under ``contradicts`` (by
    title, among the version's conditions). Missing links are added to a
    published version too: they change no wording and no rule, they only
    let the assessment refuse a pair that already contradicts itself."""
    wanted = [(i["kind"], i["number"], i["contradicts"]) for i in items if i.get("contradicts")]
    if not wanted:
        return False
    stored = {(i.kind, i.number): i for i in version.items.all()}
    conditions = {i.title: i for i in stored.values() if i.kind == PolicyItem.Kind.CONDITION}
    added = False
    for kind, number, titles in wanted:
        item = stored.get((kind, number))
        targets = [conditions[t] for t in titles if t in conditions]
        have = set(item.contradicts.values_list("pk", flat=True)) if item else set()
        missing = [t for t in targets if t.pk not in have]
        if item is not None and missing:
            item.contradicts.add(*missing)
            added = True
    return added


@transaction.atomic
def catalogue_load(*, directory: Path = CATALOGUE_DIR, only: list[str] | None = None) -> LoadReport:
    """Load every catalogue file (or the jurisdictions in ``only``) in one
    transaction: a broken file loads nothing."""
    common, files = read_catalogues(directory)
    report = LoadReport()
    for data in files:
        spec = data["jurisdiction"]
        if only and spec["code"] not in only:
            continue
        jurisdiction = _sync_jurisdiction(spec, report)
        for doc_spec in data.get("documents") or []:
            document = _sync_document(jurisdiction, doc_spec, report)
            if document.jurisdiction_id != jurisdiction.pk:
                continue
            for version_spec in sorted(doc_spec.get("versions") or [], key=lambda v: int(v["number"])):
                _sync_version(document, version_spec, common, report)
    return report
