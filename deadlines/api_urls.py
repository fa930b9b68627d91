from django.urls import path

from . import apis

urlpatterns = [
    path("cases/<int:case_id>/clocks/", apis.CaseClockListApi.as_view(), name="api-case-clocks"),
    path(
        "cases/<int:case_id>/clocks/<int:clock_id>/extend/", apis.ClockExtendApi.as_view(),
        name="api-case-clock-extend",
    ),
]
