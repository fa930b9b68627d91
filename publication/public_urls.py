from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("outcomes/", views.portal_outcomes, name="outcomes"),
    path("outcomes/<slug:slug>/", views.portal_outcome_detail, name="outcome_detail"),
    path("outcomes/<slug:slug>/document.pdf", views.portal_outcome_pdf, name="outcome_pdf"),
    path("clarifications/", views.portal_clarifications, name="clarifications"),
    path("feed.atom", views.OutcomesFeed(), name="feed"),
]
