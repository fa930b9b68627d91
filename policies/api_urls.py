from django.urls import path

from . import apis

urlpatterns = [
    path("policies/", apis.PolicyListApi.as_view(), name="api-policy-list"),
    path("policies/<int:version_id>/", apis.PolicyDetailApi.as_view(), name="api-policy-detail"),
    path("policies/jurisdictions/<slug:code>/templates/", apis.AdoptionTemplateListApi.as_view(),
         name="api-policy-templates"),
    path("policies/jurisdictions/<slug:code>/adopt/", apis.AdoptTemplateApi.as_view(), name="api-policy-adopt"),
    path("calendar/due-date/", apis.DueDateApi.as_view(), name="api-due-date"),
]
