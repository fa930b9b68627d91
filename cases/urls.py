from django.urls import path

from core.step_views import step_post

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.my_cases, name="my_cases"),
    path("unit/", views.unit_queue, name="unit_queue"),
    path("intake/", views.intake_queue, name="intake_queue"),
    path("search/", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/<slug:step>/", views.edit, name="edit"),
    # Every step's form posts to the one generic step view (core.step_views).
    path("<int:pk>/do/<slug:action>/", step_post, name="action"),
    path("<int:pk>/files/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/files/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
    path("<int:pk>/files/<int:attachment_id>/delete/", views.attachment_delete, name="attachment_delete"),
]
