from django.urls import path

from . import apis

# One POST per step (DESIGN §7): /api/v1/cases/{id}/<step>/, generated from
# every app's step declarations (core.steps), one response shape.
STEP_APIS = apis.step_apis()

urlpatterns = [
    path("cases/", apis.CaseListApi.as_view(), name="api-cases"),
    path("cases/<int:case_id>/", apis.CaseDetailApi.as_view(), name="api-case-detail"),
    path("cases/<int:case_id>/events/", apis.CaseEventListApi.as_view(), name="api-case-events"),
    path("cases/<int:case_id>/attachments/", apis.CaseAttachmentListApi.as_view(), name="api-case-attachments"),
    path(
        "cases/<int:case_id>/attachments/<int:attachment_id>/", apis.CaseAttachmentDetailApi.as_view(),
        name="api-case-attachment",
    ),
    path(
        "cases/<int:case_id>/attachments/<int:attachment_id>/download/",
        apis.CaseAttachmentDownloadApi.as_view(), name="api-case-attachment-download",
    ),
    *(
        path(f"cases/<int:case_id>/{name}/", view.as_view(), name=f"api-case-{name.replace('_', '-')}")
        for name, view in STEP_APIS.items()
    ),
]
