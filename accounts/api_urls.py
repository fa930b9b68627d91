from django.urls import path

from . import apis

urlpatterns = [
    path("auth/token/", apis.TokenObtainApi.as_view(), name="api-token"),
    path("auth/token/revoke/", apis.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("me/", apis.MeApi.as_view(), name="api-me"),
    path("directory/org-units/", apis.OrgUnitListApi.as_view(), name="api-directory-org-units"),
    path("directory/users/", apis.DirectoryUserListApi.as_view(), name="api-directory-users"),
    path("directory/users/<int:user_id>/", apis.DirectoryUserDetailApi.as_view(), name="api-directory-user"),
    path("directory/users/<int:user_id>/memberships/", apis.DirectoryMembershipListApi.as_view(),
         name="api-directory-memberships"),
    path("directory/users/<int:user_id>/memberships/<int:membership_id>/",
         apis.DirectoryMembershipDetailApi.as_view(), name="api-directory-membership"),
]
