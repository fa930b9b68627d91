from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError
from core.pagination import PaginatedListMixin, paginated_response
from core.serializers import QueryBooleanField

from .authentication import PASSWORD_EXPIRED
from .forms import SECOND_FACTOR_REFUSED, second_factor_check
from .models import OrgUnit, Role
from .selectors import (
    directory_require,
    org_unit_list_for_user,
    password_expired,
    user_directory_for,
    user_directory_get,
    user_memberships,
    user_roles,
)
from .services import (
    directory_membership_grant,
    directory_membership_revoke,
    directory_org_unit_create,
    directory_user_set_active,
    user_password_set,
    user_token_issue,
    user_tokens_revoke,
)

LOGIN_FAILED = "The username or password is incorrect."
LOCKED_OUT = "Too many failed sign-ins. The account is locked for a while; try again later or ask an administrator."


class TokenObtainApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    """A token for the API. An expired password (``PASSWORD_MAX_AGE_DAYS``)
    gets none: 403 ``password_expired`` until the request carries
    ``new_password``, which replaces it (the password rules apply: 422) and
    ends every session and token the user held."""

    # 401: wrong username, password or second factor; 403: the password has
    # expired; 422: the new password breaks a rule; 429: locked out (axes).
    schema_error_statuses = (401, 403, 422, 429)

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=200, trim_whitespace=False)
        # TOTP code: required for staff and administrators outside demo mode.
        otp_token = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
        # Replaces the password (required once it has expired).
        new_password = serializers.CharField(max_length=200, required=False, trim_whitespace=False,
                                             allow_blank=True, default="")

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        otp_token = data.validated_data.pop("otp_token")
        new_password = data.validated_data.pop("new_password")
        try:
            user = authenticate(request=request._request, **data.validated_data)
        except AxesBackendPermissionDenied:
            user = None
        if getattr(request._request, "axes_locked_out", False):
            raise ApplicationError(_(LOCKED_OUT), code="locked_out", status_code=429)
        if user is None or not user.is_active:
            raise ApplicationError(_(LOGIN_FAILED), code="authentication_failed", status_code=401)
        try:
            second_factor_check(user, otp_token, request=request._request)
        except DjangoValidationError:
            raise ApplicationError(_(SECOND_FACTOR_REFUSED), code="second_factor_required",
                                   status_code=401) from None
        if new_password:
            user_password_set(user=user, new_password=new_password, actor=user, request=request._request)
        elif password_expired(user):
            raise ApplicationError(_(PASSWORD_EXPIRED), code="password_expired", status_code=403)
        return Response({"token": user_token_issue(user=user, request=request._request)})


class TokenRevokeApi(APIView):
    """Revoke every API token of the caller (the one used included)."""

    class OutputSerializer(serializers.Serializer):
        revoked = serializers.IntegerField()

    @extend_schema(request=None, responses=OutputSerializer)
    def post(self, request):
        return Response({"revoked": user_tokens_revoke(user=request.user, request=request._request)})


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        full_name = serializers.CharField()
        email = serializers.EmailField()
        unit = serializers.SerializerMethodField()
        roles = serializers.SerializerMethodField()
        memberships = serializers.SerializerMethodField()

        @extend_schema_field(inline_serializer("MeUnit", {"id": serializers.IntegerField(),
                                                          "name": serializers.CharField()}, allow_null=True))
        def get_unit(self, user):
            return {"id": user.org_unit_id, "name": user.org_unit.name} if user.org_unit_id else None

        @extend_schema_field(serializers.ListField(child=serializers.CharField()))
        def get_roles(self, user):
            return sorted(user_roles(user))

        @extend_schema_field(inline_serializer("MeMembership", {
            "role": serializers.CharField(),
            "org_unit": inline_serializer("MeOrgUnit", {"id": serializers.IntegerField(), "name": serializers.CharField(),
                                                        "kind": serializers.CharField()}),
        }, many=True))
        def get_memberships(self, user):
            return [
                {"role": m.role, "org_unit": {"id": m.org_unit_id, "name": m.org_unit.name, "kind": m.org_unit.kind}}
                for m in user_memberships(user)
            ]

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response(self.OutputSerializer(request.user).data)


# --- Directory: the people and units staff work with ---------------------------------


class OrgUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    code = serializers.CharField()
    kind = serializers.ChoiceField(choices=OrgUnit.Kind.choices)
    parent_id = serializers.IntegerField(allow_null=True)


class DirectoryUnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DirectoryMembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=Role.choices)
    role_label = serializers.CharField(source="get_role_display")
    org_unit = DirectoryUnitRefSerializer()


class DirectoryUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    is_active = serializers.BooleanField()
    unit = DirectoryUnitRefSerializer(source="org_unit", allow_null=True)
    memberships = DirectoryMembershipSerializer(
        source="visible_memberships", many=True,
        help_text="The roles the person holds inside the caller's jurisdiction (only those).",
    )


DIRECTORY_TAGS = ["directory"]


class OrgUnitListApi(PaginatedListMixin, APIView):
    """GET: the org units the caller works in (the subtrees of his roles);
    POST: a new unit, by the system administrator over its parent."""

    class FilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=OrgUnit.Kind.choices, required=False)
        parent = serializers.IntegerField(required=False, min_value=1, help_text="Only the children of this unit.")

    class InputSerializer(serializers.Serializer):
        parent = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
        name = serializers.CharField(max_length=100)
        short_name = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
        code = serializers.SlugField(max_length=50, help_text="Unique over all units (a 422 when taken).")
        kind = serializers.ChoiceField(choices=OrgUnit.Kind.choices, default=OrgUnit.Kind.UNIT)

    @extend_schema(operation_id="directory_org_units_list", summary="Org units", tags=DIRECTORY_TAGS,
                   parameters=[FilterSerializer], responses=OrgUnitSerializer(many=True))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        units = org_unit_list_for_user(user=request.user, kind=filters.validated_data.get("kind"),
                                       parent_id=filters.validated_data.get("parent"))
        return paginated_response(request=request, view=self, queryset=units, serializer_class=OrgUnitSerializer)

    @extend_schema(operation_id="directory_org_units_create", summary="Create an org unit (system administrator)",
                   tags=DIRECTORY_TAGS, request=InputSerializer, responses={201: OrgUnitSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = directory_org_unit_create(actor=request.user, **data.validated_data)
        return Response(OrgUnitSerializer(unit).data, status=201)


class DirectoryUserListApi(PaginatedListMixin, APIView):
    """GET: the people of the caller's jurisdiction (staff and the system
    and security administrators only), with their roles there: whom a
    supervisor may assign (``?role=inspector&org_unit=<the case's unit>``),
    whom an administrator manages."""

    class FilterSerializer(serializers.Serializer):
        role = serializers.ChoiceField(choices=Role.choices, required=False)
        org_unit = serializers.IntegerField(
            required=False, min_value=1, help_text="Holding the role over this unit (at it or above it).")
        q = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                  help_text="Part of the name or username.")
        active = QueryBooleanField()

    @extend_schema(operation_id="directory_users_list", summary="People", tags=DIRECTORY_TAGS,
                   parameters=[FilterSerializer], responses=DirectoryUserSerializer(many=True))
    def get(self, request):
        directory_require(user=request.user)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        people = user_directory_for(user=request.user, role=data.get("role"), org_unit_id=data.get("org_unit"),
                                    q=data.get("q", ""), active=data.get("active"))
        return paginated_response(request=request, view=self, queryset=people,
                                  serializer_class=DirectoryUserSerializer)


class DirectoryUserDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        is_active = serializers.BooleanField()

    @extend_schema(operation_id="directory_users_retrieve", summary="A person", tags=DIRECTORY_TAGS,
                   responses=DirectoryUserSerializer)
    def get(self, request, user_id):
        return Response(DirectoryUserSerializer(user_directory_get(user=request.user, user_id=user_id)).data)

    @extend_schema(operation_id="directory_users_set_active",
                   summary="Enable or disable a person (system administrator)", tags=DIRECTORY_TAGS,
                   request=InputSerializer, responses=DirectoryUserSerializer)
    def patch(self, request, user_id):
        person = user_directory_get(user=request.user, user_id=user_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        directory_user_set_active(actor=request.user, user=person, active=data.validated_data["is_active"],
                                  request=request._request)
        return Response(DirectoryUserSerializer(user_directory_get(user=request.user, user_id=user_id)).data)


class DirectoryMembershipListApi(APIView):
    """POST: give a person a role over a unit (security administrator of
    that unit's jurisdiction; a duty excludes every other role: 422)."""

    class InputSerializer(serializers.Serializer):
        role = serializers.ChoiceField(choices=Role.choices)
        org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())

    @extend_schema(operation_id="directory_memberships_create", summary="Grant a role (security administrator)",
                   tags=DIRECTORY_TAGS, request=InputSerializer, responses={201: DirectoryUserSerializer})
    def post(self, request, user_id):
        person = user_directory_get(user=request.user, user_id=user_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        directory_membership_grant(actor=request.user, user=person, request=request._request, **data.validated_data)
        return Response(DirectoryUserSerializer(user_directory_get(user=request.user, user_id=user_id)).data,
                        status=201)


class DirectoryMembershipDetailApi(APIView):
    @extend_schema(operation_id="directory_memberships_destroy", summary="Revoke a role (security administrator)",
                   tags=DIRECTORY_TAGS, responses={204: None})
    def delete(self, request, user_id, membership_id):
        person = user_directory_get(user=request.user, user_id=user_id)
        directory_membership_revoke(actor=request.user, user=person, membership_id=membership_id,
                                    request=request._request)
        return Response(status=204)
