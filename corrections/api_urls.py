from django.urls import path

from .apis import APIS

urlpatterns = [
    path(f"cases/<int:case_id>/{action}/", api.as_view(), name=f"api-case-{action.replace('_', '-')}")
    for action, api in APIS.items()
]
