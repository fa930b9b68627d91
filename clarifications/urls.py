from django.urls import path

from . import views

app_name = "clarifications"
urlpatterns = [
    path("", views.clarification_list, name="list"),
    path("new/", views.clarification_open, name="open"),
]
