from django.urls import path

from . import apis

urlpatterns = [
    path("auth/token/", apis.TokenObtainApi.as_view(), name="api-token"),
    path("auth/token/revoke/", apis.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("me/", apis.MeApi.as_view(), name="api-me"),
]
