"""Routes that fail on purpose, beside the project's own (tests only)."""

from django.urls import include, path
from rest_framework.views import APIView

from config.urls import urlpatterns as project_urlpatterns


class BrokenApi(APIView):
    permission_classes = []

    def get(self, request):
        raise RuntimeError("secret internals: db password is hunter2")


def broken_plain_view(request):
    raise RuntimeError("secret internals of a plain view")


urlpatterns = [
    path("api/v1/test-broken/", BrokenApi.as_view()),
    path("api/v1/test-broken-plain/", broken_plain_view),
    path("", include(project_urlpatterns)),
]


class CreateThenFailApi(APIView):
    """Creates a case through its service, then fails: a 500 after a write."""

    def post(self, request):
        from cases import services

        services.case_create(actor=request.user, title=request.data.get("title", "申请"))
        raise RuntimeError("failed after the create")


urlpatterns.insert(0, path("api/v1/test-create-then-fail/", CreateThenFailApi.as_view()))
