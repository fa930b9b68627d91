from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.public_index, name="index"),
    path("policies/", views.public_policies, name="policies"),
    path("policies/<int:version_id>/", views.public_policy_detail, name="policy_detail"),
    path("calendar/due-date/", views.public_due_date, name="due_date"),
]
