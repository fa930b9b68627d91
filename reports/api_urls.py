from django.urls import path

from . import apis

urlpatterns = [
    path("reports/yearly/", apis.YearlyReportApi.as_view(), name="api-reports-yearly"),
]
