"""The schema at /api/schema/ describes what the API answers (issue 15):
error statuses in the one shape, paginated lists, media types of
downloads, and the two authentication schemes judged apart."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases import services
from tests.cases.conftest import PDF_BYTES, fill_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(users):
    client = APIClient()
    client.force_login(users["admin"])
    return client.get("/api/schema/?format=json").json()


def _operation(schema, operation_id):
    for methods in schema["paths"].values():
        for operation in methods.values():
            if operation.get("operationId") == operation_id:
                return operation
    raise AssertionError(operation_id)


def test_every_operation_documents_its_error_statuses_in_the_one_shape(schema):
    """Each status an operation can answer with is there, with the error
    shape as JSON; a public operation documents no 401."""
    error = {"$ref": "#/components/schemas/Error"}
    detail = _operation(schema, "cases_retrieve")["responses"]
    assert {"401", "403", "404"} <= set(detail)
    assert detail["404"]["content"] == {"application/json": {"schema": error}}
    write = _operation(schema, "cases_submit")["responses"]
    assert {"401", "403", "404", "409"} <= set(write)
    token = _operation(schema, "v1_auth_token_create")["responses"]
    # 403: the password has expired (issue 23); a public operation otherwise.
    assert {"400", "401", "403", "429"} <= set(token)
    assert "401" not in _operation(schema, "calendar_due_date")["responses"]


def test_lists_are_documented_as_the_paginated_objects_they_are(schema):
    cases = _operation(schema, "cases_list")
    assert "cursor" in {p["name"] for p in cases["parameters"]}
    for operation_id in ("cases_list", "letters_register", "notifications_list", "prefilings_list",
                         "public_outcomes_list", "policies_list"):
        operation = _operation(schema, operation_id)
        body = operation["responses"]["200"]["content"]["application/json"]["schema"]
        component = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
        assert {"count", "results"} <= set(component["properties"]), operation_id
        # Page numbers, or a cursor for the lists read by keyset.
        assert {"page", "cursor"} & {p["name"] for p in operation["parameters"]}, operation_id


def test_uploads_are_binary_and_blank_refusing_fields_say_so(schema):
    upload = _operation(schema, "cases_attachments_create")["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]
    component = upload["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][component]["properties"]["file"]["format"] == "binary"
    token = schema["components"]["schemas"]["TokenObtainApiInputRequest"]["properties"]
    assert token["username"]["minLength"] == 1


def test_an_id_that_is_not_an_id_gets_the_json_404(users):
    client = APIClient()
    client.force_login(users["applicant"])
    r = client.get("/api/v1/cases/abc/")
    assert r.status_code == 404
    assert r["Content-Type"].startswith("application/json")
    assert r.json()["status"] == 404 and r.json()["code"] == "not_found"


def test_a_missing_referenced_object_is_a_404_naming_the_field(users, world):
    client = APIClient()
    client.force_login(users["applicant"])
    r = client.post("/api/v1/cases/", {"title": "申请", "unit": 999999}, format="json")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found" and "unit" in r.json()["fields"]


def test_downloads_honour_the_media_types_they_document(users):
    case = services.case_create(actor=users["applicant"], title="校舍改造项目程序瑕疵申请容错")
    fill_draft(case, users["applicant"])
    attachment = case.attachments.get()
    client = APIClient()
    client.force_login(users["applicant"])
    url = f"/api/v1/cases/{case.pk}/attachments/{attachment.pk}/download/"
    r = client.get(url, HTTP_ACCEPT="application/octet-stream")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF_BYTES
    assert r["Content-Type"] == "application/octet-stream"
    r = client.get(url, HTTP_ACCEPT="application/pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    # An error stays the JSON error shape whatever was asked for.
    r = client.get(f"/api/v1/cases/{case.pk}/attachments/999999/download/", HTTP_ACCEPT="application/pdf")
    assert r.status_code == 404 and r["Content-Type"].startswith("application/json")
    r = client.get("/api/v1/letters/999999/download/", HTTP_ACCEPT="application/pdf")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_a_token_request_is_not_judged_by_the_session(users):
    """A client that carries a session cookie and a token is judged by the
    token: no CSRF refusal; without credentials the answer is 401."""
    user = users["applicant"]
    token = Token.objects.create(user=user)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    r = client.post("/api/v1/cases/", {"title": "令牌申请"}, format="json",
                    HTTP_AUTHORIZATION=f"Token {token.key}")
    assert r.status_code == 201, r.content
    # The same session without a token and without the CSRF header: refused.
    r = client.post("/api/v1/cases/", {"title": "会话申请"}, format="json")
    assert r.status_code == 403
    r = APIClient().get("/api/v1/cases/")
    assert r.status_code == 401 and r["WWW-Authenticate"] == "Token"
    assert r.json()["code"] == "not_authenticated"


def test_a_view_generated_from_a_step_documents_when_it_is_possible(world):
    """core.schema reads a view's ``step`` (core.steps): the stages it is
    possible at, the 409 otherwise, in the operation's description, with
    the error statuses every write gets."""
    from django.urls import path
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework.views import APIView

    from core.steps import step_get

    class GeneratedStepApi(APIView):
        step = step_get("accept")

        def post(self, request, case_id):  # pragma: no cover - only its schema is read
            raise NotImplementedError

    schema = SchemaGenerator(patterns=[path("api/v1/cases/<int:case_id>/accept/", GeneratedStepApi.as_view())]
                             ).get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/cases/{case_id}/accept/"]["post"]
    # In the language the schema is asked in (zh-hans by default).
    assert "**步骤** 予以受理" in operation["description"] and "`submitted`" in operation["description"]
    assert {"401", "403", "404", "409", "500"} <= set(operation["responses"])
