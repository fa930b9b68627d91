from django.urls import path

from . import views

app_name = "letters"
urlpatterns = [
    path("", views.register, name="register"),
    path("case/<int:case_id>/", views.case_letters, name="case_letters"),
    path("<int:letter_id>/download/", views.download, name="download"),
    path("versions/<int:version_id>/download/", views.version_download, name="version_download"),
]
