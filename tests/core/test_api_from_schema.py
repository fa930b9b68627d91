"""One case from draft to closed, scripted the way a county's OA system
would script it: from /api/schema/ alone (issue 15).

What the client knows is the business: which step to take next and with
what words, and whom to pick (by role, through the directory API). What it
reads from the schema: the operation of each step (by its path under
``/cases/{case_id}/``, the name the case's ``actions`` lists), its method,
the media type of its body, the body's fields (required ones must be
given; nothing undocumented is sent; enums and limits hold), and what
submission needs first (the ``minutes`` attachment when the decision was
collective, read off the description of submit/). No URL is written here.
"""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from cases.models import Stage
from tests.files import PDF_BYTES as PDF

pytestmark = pytest.mark.django_db

TEXT = "经核实，情况属实。"


class SchemaClient:
    """Calls operations by id, or case steps by name, as the schema says."""

    def __init__(self, schema: dict, users: dict):
        self.schema, self.users = schema, users
        self.ops = {}
        for path, methods in schema["paths"].items():
            for method, operation in methods.items():
                self.ops[operation["operationId"]] = (method, path, operation)

    def step_operation(self, name: str) -> str:
        """The operation of the case step ``name`` (as ``actions`` lists it)."""
        found = [op_id for op_id, (method, path, _o) in self.ops.items()
                 if method == "post" and re.fullmatch(rf".*/cases/\{{case_id\}}/{name}/", path)]
        assert len(found) == 1, (name, found)
        return found[0]

    def _resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.schema["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self._resolve(schema["allOf"][0])
        return schema

    def _check(self, schema: dict, value, where: str):
        """The part of schema validation a client relies on: required
        fields, no undocumented ones, enums, string limits, item types."""
        schema = self._resolve(schema)
        if value is None:
            assert schema.get("nullable"), f"{where}: null not allowed"
            return
        kind = schema.get("type")
        if "enum" in schema:
            assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
        if kind == "object" and isinstance(value, dict):
            props = schema.get("properties", {})
            missing = set(schema.get("required", ())) - set(value)
            assert not missing, f"{where}: required {missing} not given"
            extra = schema.get("additionalProperties")
            for key, item in value.items():
                assert key in props or extra, f"{where}: {key} is not documented"
                self._check(props.get(key) or (extra if isinstance(extra, dict) else {}), item, f"{where}.{key}")
        elif kind == "array":
            assert isinstance(value, list) and len(value) >= schema.get("minItems", 0), where
            for i, item in enumerate(value):
                self._check(schema.get("items", {}), item, f"{where}[{i}]")
        elif kind == "string" and isinstance(value, str):
            assert len(value) >= schema.get("minLength", 0), where
            assert len(value) <= schema.get("maxLength", len(value)), where
            if schema.get("pattern"):
                assert re.search(schema["pattern"], value), f"{where}: {value!r} ~ {schema['pattern']}"

    def call(self, username: str, op_id: str, body: dict | None = None, expect=(200, 201), **path):
        method, template, operation = self.ops[op_id]
        url = re.sub(r"\{(\w+)\}", lambda m: str(path[m.group(1)]), template)
        client = APIClient()
        client.force_authenticate(self.users[username])
        if method == "get":
            response = client.get(url, body or {})
        else:
            content = (operation.get("requestBody") or {}).get("content", {})
            media = next(iter(content), "application/json")
            if content:
                self._check(content[media]["schema"], body or {}, op_id)
            if media == "multipart/form-data":
                response = getattr(client, method)(url, body or {}, format="multipart")
            else:
                response = getattr(client, method)(url, body or {}, format="json")
        assert response.status_code in expect, (op_id, response.status_code, response.content[:500])
        documented = operation["responses"]
        assert str(response.status_code) in documented, (op_id, response.status_code)
        return response.json() if response.content else None

    def step(self, username: str, case_id: int, name: str, body: dict | None = None, *, listed=True):
        """Take step ``name`` as ``username``: it must be among his actions
        (``listed=False``: a step the case page carries inside another's
        panel, as the vote's confirmation)."""
        detail = self.call(username, "cases_retrieve", case_id=case_id)
        if listed:
            assert name in [a["name"] for a in detail["actions"]], (username, name, detail["actions"])
        op_id = self.step_operation(name)
        return self.call(username, op_id, self.fill(op_id, body or {}), case_id=case_id)

    def fill(self, op_id: str, given: dict) -> dict:
        """``given``, plus a value for every other required field the
        schema asks for (text, today's date, false, the first choice)."""
        _m, _p, operation = self.ops[op_id]
        content = (operation.get("requestBody") or {}).get("content", {})
        if not content:
            return given
        schema = self._resolve(next(iter(content.values()))["schema"])
        body = dict(given)
        for name in schema.get("required", ()):
            if name in body:
                continue
            prop = self._resolve(schema["properties"][name])
            if "enum" in prop:
                body[name] = prop["enum"][0]
            elif prop.get("type") == "string" and prop.get("format") == "date":
                body[name] = dt.date.today().isoformat()
            elif prop.get("type") == "string":
                body[name] = TEXT[: prop.get("maxLength", len(TEXT))]
            elif prop.get("type") == "boolean":
                body[name] = False
            else:
                raise AssertionError(f"{op_id}: no value for required {name} ({prop})")
        return body


@pytest.fixture
def api(users, world):
    client = APIClient()
    client.force_authenticate(users["admin"])
    schema = client.get("/api/schema/?format=json").json()
    return SchemaClient(schema, users)


def _people(api, role, unit_id):
    found = api.call("supervisor", "directory_users_list", {"role": role, "org_unit": unit_id})
    return [u["id"] for u in found["results"]]


def test_one_case_from_draft_to_closed_by_the_schema_alone(api):
    # The applicant's draft: the policy's items come from the policy API.
    me = api.call("applicant", "v1_me_retrieve")
    draft = api.call("applicant", "cases_create", api.fill("cases_create", {
        "title": "校舍改造项目程序瑕疵申请容错", "matter": "2025年校舍改造中先行先试采购方式。",
        "matter_date": "2025-06-01", "impact": "工期延误二十天", "trigger": "群众来信",
        "accountability_considered": "诫勉谈话", "facts_reasons": "出于公心，经集体研究，未谋取私利。",
        "collective_decision": True,
    }))
    case_id = draft["id"]
    assert draft["unit"]["id"] == me["unit"]["id"]
    version = api.call("applicant", "policies_retrieve", version_id=draft["policy_version"]["id"])
    items = {kind: [i for i in version["items"] if i["kind"] == kind] for kind in
             ("condition", "positive", "negative", "result_use")}
    api.call("applicant", "cases_partial_update", {"claimed_scenarios": [items["positive"][0]["id"]]},
             case_id=case_id)

    # What submission needs, as the schema describes it: evidence, and the
    # minutes since the decision was collective.
    needs = api.ops[api.step_operation("submit")][2]["description"]
    assert "collective_decision" in needs and "`minutes`" in needs
    upload = "cases_attachments_create"
    kinds = api._resolve(api._resolve(api.ops[upload][2]["requestBody"]["content"]["multipart/form-data"]
                                      ["schema"])["properties"]["kind"])["enum"]
    assert {"evidence", "minutes"} <= set(kinds)
    for kind in ("evidence", "minutes"):
        api.call("applicant", upload, {"file": SimpleUploadedFile(f"{kind}.pdf", PDF, "application/pdf"),
                                       "kind": kind}, case_id=case_id)
    api.step("applicant", case_id, "submit")
    api.step("unit_reviewer", case_id, "unit_forward", {"meeting_date": "2026-01-05", "participants": "王芳、李明",
                                                        "opinion": "情况属实，同意报送。"})
    api.step("intake", case_id, "accept")

    # Verification: the inspectors the supervisor may assign come from the
    # directory; the assessment's keys from the policy and the schema.
    unit_id = draft["unit"]["id"]
    api.step("supervisor", case_id, "assign", {"inspectors": _people(api, "inspector", unit_id)[:2]})
    assess = api.ops[api.step_operation("assess")][2]
    body_schema = api._resolve(assess["requestBody"]["content"]["application/json"]["schema"])
    distinctions = list(api._resolve(body_schema["properties"]["distinctions"])["properties"])
    factors = list(api._resolve(body_schema["properties"]["factors"])["properties"])
    api.step("inspector1", case_id, "assess", {
        "conditions": {str(i["id"]): {"met": True, "reason": TEXT} for i in items["condition"]},
        "positive_item": items["positive"][0]["id"], "negative_items": [], "negative_note": "未发现负面清单情形",
        "distinctions": dict.fromkeys(distinctions, "属于先行先试"), "factors": dict.fromkeys(factors, "情节轻微"),
    })
    api.step("inspector2", case_id, "preliminary_report", {"recommended_result": "exempt", "summary": "符合容错条件。"})
    api.step("applicant", case_id, "waive_defence")

    # Deliberation by the committee found in the directory.
    members = _people(api, "committee", unit_id)
    api.step("committee1", case_id, "deliberate", {
        "held_on": dt.date.today().isoformat(), "members_present": members,
        "votes": [{"member": m, "result": "exempt", "opinion": "同意"} for m in members]})
    for name in ("committee2", "committee3"):
        api.step(name, case_id, "confirm_vote", listed=False)
    ruled = api.step("committee2", case_id, "rule", {"result": "exempt", "reasons": "符合容错条件。"})
    assert ruled["stage"] == Stage.RULED

    # After the ruling: no correction, no clarification, closed.
    for username, name in (("supervisor", "skip_correction"), ("supervisor", "skip_clarification"),
                           ("inspector1", "close")):
        api.step(username, case_id, name)
    closed = api.call("applicant", "cases_retrieve", case_id=case_id)
    assert closed["stage"] == Stage.CLOSED and closed["outcome"] == "exempt"
    history = api.call("applicant", "cases_events_list", {"page_size": 200}, case_id=case_id)
    assert history["results"][-1]["to_stage"] == Stage.CLOSED
