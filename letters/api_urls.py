from django.urls import path

from .apis import CaseLetterListApi, LetterDownloadApi, LetterRegisterApi

urlpatterns = [
    path("cases/<int:case_id>/letters/", CaseLetterListApi.as_view(), name="api-case-letters"),
    path("letters/", LetterRegisterApi.as_view(), name="api-letter-register"),
    path("letters/<int:letter_id>/download/", LetterDownloadApi.as_view(), name="api-letter-download"),
]
