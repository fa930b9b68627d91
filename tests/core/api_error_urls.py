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
