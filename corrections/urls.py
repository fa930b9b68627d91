from django.urls import path

from core.step_views import step_post

from . import views

app_name = "corrections"
urlpatterns = [
    path("cases/<int:pk>/", views.case_record, name="case"),
    # The steps' former address: the one generic step view (core.step_views).
    path("cases/<int:pk>/do/<slug:action>/", step_post, name="action"),
    path("cases/<int:pk>/files/<int:file_id>/", views.file_download, name="file"),
]
