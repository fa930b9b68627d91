from django.urls import path

from . import apis

urlpatterns = [
    path("notifications/", apis.NotificationListApi.as_view(), name="api-notifications"),
    path("notifications/read-all/", apis.NotificationReadAllApi.as_view(), name="api-notifications-read-all"),
    path("notifications/preferences/", apis.NotificationPreferenceApi.as_view(), name="api-notifications-preferences"),
    path("notifications/<int:notification_id>/read/", apis.NotificationReadApi.as_view(), name="api-notification-read"),
]
