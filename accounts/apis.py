from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError

from .selectors import user_memberships, user_roles

LOGIN_FAILED = "The username or password is incorrect."
LOCKED_OUT = "Too many failed sign-ins. The account is locked for a while; try again later or ask an administrator."


class TokenObtainApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=200, trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = authenticate(request=request._request, **data.validated_data)
        except AxesBackendPermissionDenied:
            user = None
        if getattr(request._request, "axes_locked_out", False):
            raise ApplicationError(_(LOCKED_OUT), code="locked_out", status_code=429)
        if user is None or not user.is_active:
            raise ApplicationError(_(LOGIN_FAILED), code="authentication_failed", status_code=401)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


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
