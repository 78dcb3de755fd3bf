from django.urls import path

from satupintu.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", views.staff_home, name="staff-home"),
    path("m/<slug:slug>/", views.home, name="mall"),
]
