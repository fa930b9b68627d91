from django.urls import path

from . import apis

urlpatterns = [
    path("prefilings/", apis.PreFilingListCreateApi.as_view(), name="api-prefilings"),
    path("prefilings/<int:prefiling_id>/", apis.PreFilingDetailApi.as_view(), name="api-prefiling-detail"),
    path("prefilings/<int:prefiling_id>/submit/", apis.PreFilingSubmitApi.as_view(), name="api-prefiling-submit"),
    path("prefilings/<int:prefiling_id>/request_supplement/", apis.PreFilingRequestSupplementApi.as_view(),
         name="api-prefiling-request-supplement"),
    path("prefilings/<int:prefiling_id>/supplement/", apis.PreFilingSupplementApi.as_view(),
         name="api-prefiling-supplement"),
    path("prefilings/<int:prefiling_id>/register/", apis.PreFilingRegisterApi.as_view(),
         name="api-prefiling-register"),
    path("prefilings/<int:prefiling_id>/refuse/", apis.PreFilingRefuseApi.as_view(), name="api-prefiling-refuse"),
    path("prefilings/<int:prefiling_id>/report_progress/", apis.PreFilingReportProgressApi.as_view(),
         name="api-prefiling-report-progress"),
    path("prefilings/<int:prefiling_id>/resolve_warning/", apis.PreFilingResolveWarningApi.as_view(),
         name="api-prefiling-resolve-warning"),
    path("prefilings/<int:prefiling_id>/evaluate/", apis.PreFilingEvaluateApi.as_view(),
         name="api-prefiling-evaluate"),
    path("prefilings/<int:prefiling_id>/letter/", apis.PreFilingLetterApi.as_view(), name="api-prefiling-letter"),
]
