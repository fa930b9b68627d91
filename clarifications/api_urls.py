from django.urls import path

from . import apis

urlpatterns = [
    path("clarifications/", apis.ClarificationCaseOpenApi.as_view(), name="api-clarification-open"),
    path("clarifications/<int:case_id>/", apis.ClarificationCaseDetailApi.as_view(), name="api-clarification"),
]
