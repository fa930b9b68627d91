
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import PaginatedListMixin, paginated_response
from core.serializers import QueryBooleanField

from .models import Notification, NotificationPreference
from .selectors import notification_list_for_user, notification_preference_get
from .services import notification_mark_all_read, notification_mark_read, notification_preference_set


class NotificationOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.display_name", default=None, read_only=True, allow_null=True)
    case_id = serializers.IntegerField(allow_null=True, read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "url", "case_id", "actor", "created_at", "read_at", "is_read", "emailed_at"]


class NotificationListApi(PaginatedListMixin, APIView):
    class FilterSerializer(serializers.Serializer):
        unread = QueryBooleanField(help_text="true: unread only; false: read only")

    @extend_schema(
        operation_id="notifications_list", summary=_("My notifications"),
        parameters=[FilterSerializer],
        responses=NotificationOutputSerializer(many=True),
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = notification_list_for_user(user=request.user, unread=filters.validated_data.get("unread"))
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=NotificationOutputSerializer)


class NotificationReadApi(APIView):
    @extend_schema(operation_id="notifications_read", summary=_("Mark a notification as read"), request=None, responses=NotificationOutputSerializer)
    def post(self, request, notification_id: int):
        note = notification_mark_read(user=request.user, notification_id=notification_id)
        return Response(NotificationOutputSerializer(note).data)


class NotificationReadAllApi(APIView):
    class OutputSerializer(serializers.Serializer):
        marked = serializers.IntegerField()

    @extend_schema(operation_id="notifications_read_all", summary=_("Mark all my notifications as read"), request=None, responses=OutputSerializer)
    def post(self, request):
        return Response(self.OutputSerializer({"marked": notification_mark_all_read(user=request.user)}).data)


class NotificationPreferenceApi(APIView):
    class InputSerializer(serializers.Serializer):
        email_mode = serializers.ChoiceField(choices=NotificationPreference.EmailMode.choices)

    class OutputSerializer(serializers.Serializer):
        email_mode = serializers.ChoiceField(choices=NotificationPreference.EmailMode.choices)

    @extend_schema(operation_id="notifications_preferences_get", summary=_("My notification preferences"), responses=OutputSerializer)
    def get(self, request):
        return Response(self.OutputSerializer(notification_preference_get(user=request.user)).data)

    @extend_schema(operation_id="notifications_preferences_set", summary=_("Set my notification preferences"), request=InputSerializer, responses=OutputSerializer)
    def put(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pref = notification_preference_set(user=request.user, **data.validated_data)
        return Response(self.OutputSerializer(pref).data)


