from django.contrib.auth import views as auth_views
from django.urls import path

from satupintu.accounts.auth import LOGIN_LIMIT
from satupintu.core.ratelimit import rate_limited

urlpatterns = [
    path("login/", rate_limited(LOGIN_LIMIT)(auth_views.LoginView.as_view()), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
