from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .forms import LoginForm
from .selectors import user_memberships


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(demo_mode=settings.DEMO_MODE, **kwargs)


@login_required
def profile(request):
    return render(request, "accounts/profile.html", {"memberships": user_memberships(request.user)})
