from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError

from .authentication import PASSWORD_EXPIRED
from .forms import SECOND_FACTOR_REFUSED, second_factor_check
from .selectors import password_expired, user_memberships, user_roles
from .services import user_password_set, user_token_issue, user_tokens_revoke

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

    @extend_schema(request=InputSerializer, responses=OutputSerializer,
                   summary=gettext_lazy("Get an API token (username and password)"))
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

    @extend_schema(request=None, responses=OutputSerializer, summary=gettext_lazy("Revoke my API tokens"),
                   description=gettext_lazy("Revoke every API token of the caller (the one used included)."))
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

    @extend_schema(responses=OutputSerializer, summary=gettext_lazy("Who I am: my details, unit and roles"))
    def get(self, request):
        return Response(self.OutputSerializer(request.user).data)
