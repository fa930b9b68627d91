from django.urls import path

from core.step_views import step_post

from . import views

app_name = "reviews"
urlpatterns = [
    path("supervisor/", views.supervisor_queue, name="supervisor_queue"),
    path("inspector/", views.inspector_queue, name="inspector_queue"),
    path("committee/", views.committee_queue, name="committee_queue"),
    path("countersign/", views.countersign_queue, name="countersign_queue"),
    path("proactive/new/", views.proactive_create, name="proactive_create"),
    path("cases/<int:case_id>/", views.case_record, name="case"),
    # The steps' former address: the one generic step view (core.step_views).
    path("cases/<int:pk>/<slug:action>/", step_post, name="action"),
]
