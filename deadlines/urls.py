from django.urls import path

from . import views

app_name = "deadlines"
urlpatterns = [
    path("cases/<int:case_id>/clocks/<int:clock_id>/extend/", views.clock_extend, name="extend"),
]
