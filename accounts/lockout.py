"""django-axes lockout response: JSON in the API's error shape under /api/,
the site's page elsewhere. The message does not say whether the username
exists."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.exceptions import problem

from .apis import LOCKED_OUT


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    if request.path.startswith("/api/"):
        return JsonResponse(problem(429, "locked_out", _(LOCKED_OUT)), status=429)
    return render(request, "registration/lockout.html", status=429)
