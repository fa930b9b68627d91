from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("yearly/", views.yearly, name="yearly"),
    path("yearly/export.xlsx", views.yearly_xlsx, name="yearly_xlsx"),
    path("yearly/export.pdf", views.yearly_pdf, name="yearly_pdf"),
    path("yearly/cases/", views.yearly_cases, name="yearly_cases"),
]
