from django.urls import path, re_path

from satupintu.reports import views

app_name = "reports"

urlpatterns = [
    # Before laporan/<mall>/, so that "nasional" is never read as a mall slug.
    path("laporan/nasional/", views.national, name="national"),
    path("laporan/nasional/unduh/", views.national_export, name="national-export"),
    path("laporan/<slug:mall_slug>/", views.mall_dashboard, name="dashboard"),
    path("laporan/<slug:mall_slug>/hari-ini/", views.today_panel, name="today"),
    path("laporan/<slug:mall_slug>/unduh/<slug:table>/", views.table_export, name="export"),
    path(
        "laporan/<slug:mall_slug>/instansi/<int:agency_id>/",
        views.agency_dashboard,
        name="agency-dashboard",
    ),
    path(
        "laporan/<slug:mall_slug>/instansi/<int:agency_id>/hari-ini/",
        views.today_panel,
        name="agency-today",
    ),
    path(
        "laporan/<slug:mall_slug>/instansi/<int:agency_id>/unduh/<slug:table>/",
        views.table_export,
        name="agency-export",
    ),
    re_path(
        r"^laporan/(?P<mall_slug>[-a-zA-Z0-9_]+)/bulanan/(?P<year>[0-9]{4})-(?P<month>[0-9]{2})\.pdf$",
        views.monthly_pdf,
        name="monthly-pdf",
    ),
    path("transparansi/<slug:mall_slug>/", views.public_page, name="public"),
    path("transparansi/<slug:mall_slug>/unduh/", views.public_export, name="public-export"),
]
