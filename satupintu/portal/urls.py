from django.urls import path

from satupintu.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", views.staff_home, name="staff-home"),
    path("m/<slug:slug>/", views.mall_home, name="mall"),
    path("m/<slug:slug>/layanan/", views.service_list, name="services"),
    path("m/<slug:slug>/layanan/<str:code>/", views.service_detail, name="service"),
    path("m/<slug:slug>/instansi/<slug:agency_slug>/", views.agency_detail, name="agency"),
]
