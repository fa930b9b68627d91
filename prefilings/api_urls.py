from django.urls import path

from . import apis

# One POST per step: /api/v1/prefilings/{id}/<step>/, generated from the
# declarations (prefilings/steps.py), one response shape, as the case steps'.
STEP_APIS = apis.step_apis()

urlpatterns = [
    path("prefilings/", apis.PreFilingListCreateApi.as_view(), name="api-prefilings"),
    path("prefilings/<int:prefiling_id>/", apis.PreFilingDetailApi.as_view(), name="api-prefiling-detail"),
    path("prefilings/<int:prefiling_id>/letter/", apis.PreFilingLetterApi.as_view(), name="api-prefiling-letter"),
    path("prefilings/<int:prefiling_id>/clocks/", apis.PreFilingClockListApi.as_view(), name="api-prefiling-clocks"),
    path("prefilings/<int:prefiling_id>/clocks/<int:clock_id>/extend/", apis.PreFilingClockExtendApi.as_view(),
         name="api-prefiling-clock-extend"),
    *(
        path(f"prefilings/<int:prefiling_id>/{name}/", view.as_view(),
             name=f"api-prefiling-{name.replace('_', '-')}")
        for name, view in STEP_APIS.items()
    ),
]
