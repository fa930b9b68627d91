from django.urls import path

from . import apis

urlpatterns = [
    path("cases/proactive/", apis.CaseProactiveOpenApi.as_view(), name="api-case-open-proactive"),
    path("cases/<int:case_id>/review-record/", apis.CaseReviewRecordApi.as_view(), name="api-case-review-record"),
] + [
    path(f"cases/<int:case_id>/{name}/", cls.as_view(), name=f"api-case-{name.replace('_', '-')}")
    for name, (cls, _summary) in apis.STEP_APIS.items()
]
