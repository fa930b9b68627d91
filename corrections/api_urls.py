from django.urls import path

from . import apis

# The steps' endpoints are generated with every other app's (cases.api_urls).
urlpatterns = [
    path("cases/<int:case_id>/correction-record/", apis.CaseCorrectionRecordApi.as_view(),
         name="api-case-correction-record"),
]
