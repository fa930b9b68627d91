from django.urls import path

from . import views

app_name = "corrections"
urlpatterns = [
    path("cases/<int:pk>/", views.case_record, name="case"),
    path("cases/<int:pk>/do/<slug:action>/", views.action, name="action"),
    path("cases/<int:pk>/files/<int:file_id>/", views.file_download, name="file"),
]
