from django.urls import path

from . import apis

# One POST per transition (DESIGN §7): /api/v1/cases/{id}/<action>/.
ACTIONS = {
    "submit": apis.CaseSubmitApi,
    "withdraw": apis.CaseWithdrawApi,
    "unit_forward": apis.CaseUnitForwardApi,
    "unit_return": apis.CaseUnitReturnApi,
    "accept": apis.CaseAcceptApi,
    "request_supplement": apis.CaseRequestSupplementApi,
    "supplement": apis.CaseSupplementApi,
    "not_accept": apis.CaseNotAcceptApi,
}

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
        for name, view in ACTIONS.items()
    ),
]
