from django.urls import path

from . import views

app_name = "careers"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("uses/<int:pk>/", views.use_detail, name="use"),
    path("uses/<int:pk>/apply/", views.use_apply, name="use_apply"),
    path("cadres/<int:pk>/", views.cadre_record, name="cadre"),
    path("typical-cases/<int:publication_id>/", views.typical_case_mark, name="typical_case"),
    path("followups/<int:pk>/record/", views.followup_record, name="followup_record"),
]
