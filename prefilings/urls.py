from django.urls import path

from core.step_views import step_post

from . import views

app_name = "prefilings"
urlpatterns = [
    path("", views.prefiling_list, name="list"),
    path("intake/", views.intake_queue, name="intake_queue"),
    path("warnings/", views.warning_list, name="warnings"),
    path("new/", views.prefiling_create, name="create"),
    path("<int:prefiling_id>/", views.prefiling_detail, name="detail"),
    path("<int:prefiling_id>/edit/", views.prefiling_edit, name="edit"),
    path("<int:prefiling_id>/files/", views.attachment_add, name="attachment_add"),
    path("<int:prefiling_id>/files/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
    path("<int:prefiling_id>/files/<int:attachment_id>/delete/", views.attachment_delete,
         name="attachment_delete"),
    path("<int:prefiling_id>/letter/", views.letter_download, name="letter_download"),
    path("<int:prefiling_id>/clocks/<int:clock_id>/extend/", views.clock_extend, name="clock_extend"),
    # Every step's form posts to the one generic step view (core.step_views;
    # the steps are declared in prefilings/steps.py).
    path("<int:pk>/<slug:action>/", step_post, {"subject": "prefiling"}, name="action"),
    # The citation form's address: the one generic step view (core.step_views).
    path("cite/<int:pk>/", step_post, {"action": "cite_prefiling"}, name="cite"),
]
