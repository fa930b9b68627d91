"""The directory API (``/api/v1/directory/…``): the people and units staff
work with, and their management by the administrators (三员分立: users and
units by the system administrator, roles by the security administrator;
the rules and services are ``accounts.directory``'s)."""

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.apis import service_answer
from core.pagination import PaginatedListMixin, paginated_response
from core.serializers import QueryBooleanField

from .directory import (
    directory_membership_grant,
    directory_membership_revoke,
    directory_org_unit_create,
    directory_org_unit_update,
    directory_user_create,
    directory_user_set_password,
    directory_user_update,
)
from .models import OrgUnit, Role
from .selectors import (
    directory_require,
    org_unit_get_for_user,
    org_unit_list_for_user,
    user_directory_for,
    user_directory_get,
)

DIRECTORY_TAGS = ["directory"]
SYSTEM_ADMIN_ONLY = _("Only the system administrator over the unit (403 for anybody else).")
SECURITY_ADMIN_ONLY = _("Only the security administrator over the unit (403 for anybody else).")


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
        help_text=_("The roles the person holds inside the caller's jurisdiction (only those)."),
    )


class OrgUnitListApi(PaginatedListMixin, APIView):
    class FilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=OrgUnit.Kind.choices, required=False)
        parent = serializers.IntegerField(required=False, min_value=1, help_text=_("Only the children of this unit."))

    class InputSerializer(serializers.Serializer):
        parent = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
        name = serializers.CharField(max_length=100)
        short_name = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
        code = serializers.SlugField(max_length=50, help_text=_("Unique over all units (a 422 when taken)."))
        kind = serializers.ChoiceField(choices=OrgUnit.Kind.choices, default=OrgUnit.Kind.UNIT)

    @extend_schema(operation_id="directory_org_units_list", summary=_("Org units"), tags=DIRECTORY_TAGS,
                   description=_("The org units the caller works in: the subtrees of his roles (an applicant: "
                                 "his unit), never another jurisdiction's."),
                   parameters=[FilterSerializer], responses=OrgUnitSerializer(many=True))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        units = org_unit_list_for_user(user=request.user, kind=filters.validated_data.get("kind"),
                                       parent_id=filters.validated_data.get("parent"))
        return paginated_response(request=request, view=self, queryset=units, serializer_class=OrgUnitSerializer)

    @extend_schema(operation_id="directory_org_units_create", summary=_("Create an org unit (system administrator)"),
                   description=format_lazy(_("A new unit under `parent`. {who} A new top-level jurisdiction is the "
                                 "installation's, in the admin."), who=SYSTEM_ADMIN_ONLY),
                   tags=DIRECTORY_TAGS, request=InputSerializer, responses={201: OrgUnitSerializer})
    def post(self, request):
        return service_answer(request, directory_org_unit_create, input=self.InputSerializer,
                              output=OrgUnitSerializer, status=201, request=request._request)


class OrgUnitDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        parent = serializers.PrimaryKeyRelatedField(
            queryset=OrgUnit.objects.all(), required=False,
            help_text=_("Move the unit (and everything below it) under this one; not under itself, and a "
                        "top-level unit stays at the top (422)."))
        name = serializers.CharField(max_length=100, required=False)
        short_name = serializers.CharField(max_length=10, required=False, allow_blank=True)
        code = serializers.SlugField(max_length=50, required=False,
                                     help_text=_("Unique over all units (a 422 when taken)."))
        kind = serializers.ChoiceField(choices=OrgUnit.Kind.choices, required=False)

    @extend_schema(operation_id="directory_org_units_retrieve", summary=_("An org unit"), tags=DIRECTORY_TAGS,
                   responses=OrgUnitSerializer)
    def get(self, request, unit_id):
        return Response(OrgUnitSerializer(org_unit_get_for_user(user=request.user, unit_id=unit_id)).data)

    @extend_schema(operation_id="directory_org_units_partial_update",
                   summary=_("Edit or move an org unit (system administrator)"),
                   description=format_lazy(_("Only the fields sent change. {who} Moving needs the duty over the new "
                                 "parent too."), who=SYSTEM_ADMIN_ONLY),
                   tags=DIRECTORY_TAGS, request=InputSerializer, responses=OrgUnitSerializer)
    def patch(self, request, unit_id):
        unit = org_unit_get_for_user(user=request.user, unit_id=unit_id)
        return service_answer(request, directory_org_unit_update, input=self.InputSerializer,
                              output=OrgUnitSerializer, unit=unit, request=request._request)


class DirectoryUserListApi(PaginatedListMixin, APIView):
    class FilterSerializer(serializers.Serializer):
        role = serializers.ChoiceField(choices=Role.choices, required=False)
        org_unit = serializers.IntegerField(
            required=False, min_value=1, help_text=_("Holding the role over this unit (at it or above it)."))
        q = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                  help_text=_("Part of the name or username."))
        active = QueryBooleanField()

    class InputSerializer(serializers.Serializer):
        username = serializers.RegexField(
            UnicodeUsernameValidator.regex.replace(r"\Z", "$"), max_length=150,
            help_text=_("Letters, digits and @ . + - _ only; unique (a 422 when taken)."))
        password = serializers.CharField(
            max_length=128, trim_whitespace=False, write_only=True,
            help_text=_("Checked by the password rules (length, character classes, not like the username): "
                        "a 422 names the rule broken."))
        org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all(),
                                                      help_text=_("The person's own unit."))
        full_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
        phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")

    @extend_schema(operation_id="directory_users_list", summary=_("People"), tags=DIRECTORY_TAGS,
                   description=_("The people of the caller's jurisdiction (case staff and the system and security "
                                 "administrators only: 403 for anybody else), with their roles there: whom a "
                                 "supervisor may assign (`?role=inspector&org_unit=<the case's unit>`), whom an "
                                 "administrator manages."),
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

    @extend_schema(operation_id="directory_users_create", summary=_("Create a person (system administrator)"),
                   description=format_lazy(_("A new user in `org_unit`, active, with no role: roles are the security "
                                 "administrator's (`POST …/memberships/`). {who}"), who=SYSTEM_ADMIN_ONLY),
                   tags=DIRECTORY_TAGS, request=InputSerializer, responses={201: DirectoryUserSerializer})
    def post(self, request):
        return service_answer(request, directory_user_create, input=self.InputSerializer,
                              output=DirectoryUserSerializer, status=201, request=request._request,
                              read=lambda person: user_directory_get(user=request.user, user_id=person.pk))


class DirectoryUserDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        is_active = serializers.BooleanField(
            required=False, help_text=_("Disabling (or enabling again) ends every session and API token "
                                        "the person holds."))
        full_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
        email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
        phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
        org_unit = serializers.PrimaryKeyRelatedField(
            queryset=OrgUnit.objects.all(), required=False,
            help_text=_("Move the person to this unit (the duty over it is needed too)."))

    @extend_schema(operation_id="directory_users_retrieve", summary=_("A person"), tags=DIRECTORY_TAGS,
                   responses=DirectoryUserSerializer)
    def get(self, request, user_id):
        return Response(DirectoryUserSerializer(user_directory_get(user=request.user, user_id=user_id)).data)

    @extend_schema(operation_id="directory_users_partial_update",
                   summary=_("Edit, enable or disable a person (system administrator)"),
                   description=format_lazy(_("Only the fields sent change. {who} An administrator's own account (system, "
                                 "security, audit) is the installation superuser's: 403."), who=SYSTEM_ADMIN_ONLY),
                   tags=DIRECTORY_TAGS, request=InputSerializer, responses=DirectoryUserSerializer)
    def patch(self, request, user_id):
        person = user_directory_get(user=request.user, user_id=user_id)
        return service_answer(request, directory_user_update, input=self.InputSerializer,
                              output=DirectoryUserSerializer, user=person, request=request._request,
                              read=lambda _: user_directory_get(user=request.user, user_id=user_id))


class DirectoryUserPasswordApi(APIView):
    class InputSerializer(serializers.Serializer):
        password = serializers.CharField(
            max_length=128, trim_whitespace=False, write_only=True,
            help_text=_("Checked by the password rules (length, character classes, not one of the last used): "
                        "a 422 names the rule broken."))

    @extend_schema(operation_id="directory_users_set_password",
                   summary=_("Set a new password (system administrator)"),
                   description=format_lazy(_("Every session and API token the person holds ends; he signs in with the new "
                                 "password. {who} An administrator's own account is the installation "
                                 "superuser's: 403."), who=SYSTEM_ADMIN_ONLY),
                   tags=DIRECTORY_TAGS, request=InputSerializer, responses={204: None})
    def post(self, request, user_id):
        person = user_directory_get(user=request.user, user_id=user_id)
        return service_answer(request, directory_user_set_password, input=self.InputSerializer, status=204,
                              user=person, request=request._request)


class DirectoryMembershipListApi(APIView):
    class InputSerializer(serializers.Serializer):
        role = serializers.ChoiceField(choices=Role.choices)
        org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())

    @extend_schema(operation_id="directory_memberships_create", summary=_("Grant a role (security administrator)"),
                   description=format_lazy(_("The person holds `role` over `org_unit` and everything below it; his sessions "
                                 "and API tokens end. An administrator duty excludes every other role (422). "
                                 "{who}"), who=SECURITY_ADMIN_ONLY),
                   tags=DIRECTORY_TAGS, request=InputSerializer, responses={201: DirectoryUserSerializer})
    def post(self, request, user_id):
        person = user_directory_get(user=request.user, user_id=user_id)
        return service_answer(request, directory_membership_grant, input=self.InputSerializer,
                              output=DirectoryUserSerializer, status=201, user=person, request=request._request,
                              read=lambda _: user_directory_get(user=request.user, user_id=user_id))


class DirectoryMembershipDetailApi(APIView):
    @extend_schema(operation_id="directory_memberships_destroy", summary=_("Revoke a role (security administrator)"),
                   description=format_lazy(_("The person's sessions and API tokens end. {who}"), who=SECURITY_ADMIN_ONLY),
                   tags=DIRECTORY_TAGS, responses={204: None})
    def delete(self, request, user_id, membership_id):
        person = user_directory_get(user=request.user, user_id=user_id)
        directory_membership_revoke(actor=request.user, user=person, membership_id=membership_id,
                                    request=request._request)
        return Response(status=204)
