from django.urls import path

from . import apis

urlpatterns = [
    path("cases/proactive/", apis.CaseProactiveOpenApi.as_view(), name="api-case-open-proactive"),
    path("cases/<int:case_id>/review-record/", apis.CaseReviewRecordApi.as_view(), name="api-case-review-record"),
]
# The steps' endpoints are generated with every other app's (cases.api_urls).
