from django.urls import path

from . import views

app_name = "publication"
urlpatterns = [
    path("", views.publication_list, name="list"),
    path("cases/<int:case_id>/draft/", views.publication_draft, name="draft"),
    path("<int:publication_id>/", views.publication_detail, name="detail"),
    path("<int:publication_id>/edit/", views.publication_edit, name="edit"),
    path("<int:publication_id>/regenerate/", views.publication_regenerate, name="regenerate"),
    path("<int:publication_id>/publish/", views.publication_publish, name="publish"),
    path("<int:publication_id>/clear-term/", views.publication_clear_term, name="clear_term"),
    path("<int:publication_id>/withdraw/", views.publication_withdraw, name="withdraw"),
]
