from django.urls import path

from . import apis

urlpatterns = [
    path("result-uses/", apis.ResultUseListApi.as_view(), name="api-result-uses"),
    path("result-uses/<int:use_id>/", apis.ResultUseDetailApi.as_view(), name="api-result-use"),
    path("result-uses/<int:use_id>/apply/", apis.ResultUseApplyApi.as_view(), name="api-result-use-apply"),
    path("followups/", apis.FollowUpListApi.as_view(), name="api-followups"),
    path("followups/<int:followup_id>/record/", apis.FollowUpRecordApi.as_view(), name="api-followup-record"),
    path("publications/<int:publication_id>/typical-case/", apis.TypicalCaseMarkApi.as_view(),
         name="api-typical-case-mark"),
    path("cadres/<int:cadre_id>/record/", apis.CadreRecordApi.as_view(), name="api-cadre-record"),
]
