from django.urls import path

from . import views

app_name = "careers_public"
urlpatterns = [
    path("typical-cases/", views.portal_typical_cases, name="typical_cases"),
]
