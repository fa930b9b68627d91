from django.urls import path

from . import apis

urlpatterns = [
    path("cases/<int:case_id>/publication/", apis.CasePublicationApi.as_view(), name="api-case-publication"),
    path("cases/<int:case_id>/publication/draft/", apis.CasePublicationDraftApi.as_view(),
         name="api-case-publication-draft"),
    path("cases/<int:case_id>/publication/preview/", apis.CasePublicationPreviewApi.as_view(),
         name="api-case-publication-preview"),
    path("cases/<int:case_id>/publication/regenerate/", apis.CasePublicationRegenerateApi.as_view(),
         name="api-case-publication-regenerate"),
    path("cases/<int:case_id>/publication/publish/", apis.CasePublicationPublishApi.as_view(),
         name="api-case-publication-publish"),
    path("cases/<int:case_id>/publication/withdraw/", apis.CasePublicationWithdrawApi.as_view(),
         name="api-case-publication-withdraw"),
    path("public/outcomes/", apis.PublicOutcomeListApi.as_view(), name="api-public-outcomes"),
    path("public/outcomes/<slug:slug>/", apis.PublicOutcomeDetailApi.as_view(), name="api-public-outcome"),
]
