from django.urls import path

from . import apis, directory_apis

urlpatterns = [
    path("auth/token/", apis.TokenObtainApi.as_view(), name="api-token"),
    path("auth/token/revoke/", apis.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("me/", apis.MeApi.as_view(), name="api-me"),
    path("directory/org-units/", directory_apis.OrgUnitListApi.as_view(), name="api-directory-org-units"),
    path("directory/org-units/<int:unit_id>/", directory_apis.OrgUnitDetailApi.as_view(),
         name="api-directory-org-unit"),
    path("directory/users/", directory_apis.DirectoryUserListApi.as_view(), name="api-directory-users"),
    path("directory/users/<int:user_id>/", directory_apis.DirectoryUserDetailApi.as_view(), name="api-directory-user"),
    path("directory/users/<int:user_id>/password/", directory_apis.DirectoryUserPasswordApi.as_view(),
         name="api-directory-user-password"),
    path("directory/users/<int:user_id>/memberships/", directory_apis.DirectoryMembershipListApi.as_view(),
         name="api-directory-memberships"),
    path("directory/users/<int:user_id>/memberships/<int:membership_id>/",
         directory_apis.DirectoryMembershipDetailApi.as_view(), name="api-directory-membership"),
]
