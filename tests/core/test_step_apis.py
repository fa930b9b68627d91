"""One generated step endpoint for every subject (core.step_apis, issue 21):
cases and pre-filings declare only what differs (URL kwarg, the serializer
and selector of their GET, operation ids), the base parses, calls the step's
service and answers; the statuses are the project's (400 schema, 422 a
service's rule, 409 the state, 403 the role, 404 not visible, first).
Real services, real database."""

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory, force_authenticate

from cases import apis as case_apis
from cases import services as case_services
from cases.selectors import case_detail_for_user
from cases.serializers import CaseDetailSerializer
from core.step_apis import StepApi, StepDoneSerializer, step_apis, step_record_ref
from core.steps import steps_of
from prefilings import apis as prefiling_apis
from prefilings.apis import PreFilingDetailOutputSerializer
from tests.reviews.conftest import fill_draft

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("base, subject, detail, response", [
    (case_apis.CaseStepApi, "case", CaseDetailSerializer, "StepResponseSerializer"),
    (prefiling_apis.PreFilingStepApi, "prefiling", PreFilingDetailOutputSerializer, "PreFilingStepResponseSerializer"),
])
def test_both_subjects_endpoints_come_from_the_one_base(base, subject, detail, response):
    """Neither subject writes a view of its own: its base holds only
    declarations, every generated endpoint runs StepApi.post, and the
    answer's component is its GET's serializer plus ``step``."""
    assert issubclass(base, StepApi) and "post" not in vars(base)
    generated = {"case": case_apis.step_apis, "prefiling": prefiling_apis.step_apis}[subject]()
    assert set(generated) == {name for name, step in steps_of(subject).items() if step.service is not None}
    for name, view in generated.items():
        assert issubclass(view, base) and view.step is steps_of(subject)[name]
        # The generated class only wraps the base's post with its schema.
        assert view.__mro__[1] is base and set(vars(view)) & {"read", "detail_serializer"} == set()
    answer = base.response_serializer
    assert answer.__name__ == answer.__qualname__ == response and issubclass(answer, detail)
    assert list(answer().fields) == [*detail().fields, "step"]
    assert isinstance(answer().fields["step"], StepDoneSerializer)


class _BriefCase(serializers.Serializer):
    id = serializers.IntegerField()
    stage = serializers.CharField()


class BriefCaseStepApi(StepApi):
    """A third API over the case's steps, declared only by what differs
    from the others: another path kwarg, another GET."""

    subject = "case"
    url_kwarg = "pk"
    detail_serializer = _BriefCase
    response_name = "BriefStepResponseSerializer"
    response_doc = "A brief answer."
    class_prefix = "Brief"

    @staticmethod
    def read(user, pk):
        return case_detail_for_user(user=user, case_id=pk)


def _post(user, case, step, data=None):
    view = step_apis(BriefCaseStepApi)[step].as_view()
    request = APIRequestFactory().post("/", data or {}, format="json")
    force_authenticate(request, user)
    return view(request, pk=case.pk)


def test_a_base_declared_by_its_differences_answers_with_the_one_shape_and_statuses(users):
    applicant, reviewer = users["applicant"], users["unit_reviewer"]
    case = case_services.case_create(actor=applicant, title="一个基类生成的步骤接口")
    fill_draft(case, applicant)
    case_services.case_submit(case=case, actor=applicant)
    assert step_apis(BriefCaseStepApi)["unit_forward"].__name__ == "BriefUnitForwardApi"

    # Not visible: 404 before the (bad) body is read.
    response = _post(users["km_intake"], case, "unit_forward", {"meeting_date": "bad"})
    assert response.status_code == 404
    # The body breaks the step's input: 400, naming the field.
    response = _post(reviewer, case, "unit_forward", {"meeting_date": "bad", "participants": "", "opinion": ""})
    assert response.status_code == 400 and "meeting_date" in response.data["fields"]
    # A role that may not take it: 403.
    response = _post(applicant, case, "unit_forward", {"meeting_date": "2026-01-05", "participants": "",
                                                       "opinion": ""})
    assert response.status_code == 403 and response.data["code"] == "permission_denied"
    # The shape is right, the service's rule refuses it (no reason): 422.
    response = _post(reviewer, case, "unit_return", {"reason": " "})
    assert response.status_code == 422 and "reason" in response.data["fields"]
    case.refresh_from_db()
    assert case.stage == "unit_review"

    response = _post(reviewer, case, "unit_forward", {"meeting_date": "2026-01-05", "participants": "王芳",
                                                      "opinion": "同意报送"})
    assert response.status_code == 200, response.data
    # unit_forward's service returns the case: the step names no other record.
    assert response.data == {"id": case.pk, "stage": "submitted", "step": {"name": "unit_forward", "record": None}}
    # The stage no longer allows it: 409.
    response = _post(reviewer, case, "unit_forward", {"meeting_date": "2026-01-05", "participants": "",
                                                      "opinion": ""})
    assert response.status_code == 409 and response.data["code"] == "illegal_transition"


def test_a_caller_who_no_longer_sees_the_record_gets_its_state_after_his_step(users):
    applicant, reviewer = users["applicant"], users["unit_reviewer"]
    case = case_services.case_create(actor=applicant, title="退回后单位不再可见")
    fill_draft(case, applicant)
    case_services.case_submit(case=case, actor=applicant)
    response = _post(reviewer, case, "unit_return", {"reason": "材料不全"})
    assert response.status_code == 200, response.data
    assert response.data == {"id": case.pk, "stage": "draft", "step": {"name": "unit_return", "record": None}}


def test_the_record_named_is_what_the_service_made_not_the_subject(users):
    case = case_services.case_create(actor=users["applicant"], title="记录引用")
    assert step_record_ref(case, case) is None
    assert step_record_ref(None, case) is None and step_record_ref("text", case) is None
    attachment = fill_draft(case, users["applicant"]).attachments.get()
    assert step_record_ref(attachment, case) == {"type": "cases.attachment", "id": attachment.pk}
