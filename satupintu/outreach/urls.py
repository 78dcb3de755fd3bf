from django.urls import path

from satupintu.outreach import views

app_name = "outreach"
urlpatterns = [
    path("m/<slug:slug>/jemput-bola/", views.request_form, name="request"),
    path("m/<slug:slug>/jemput-bola/status/", views.request_status, name="status-lookup"),
    path("m/<slug:slug>/jemput-bola/status/<str:reference>/", views.request_status, name="status"),
    path("m/<slug:slug>/outreach/", views.request_list, name="planner"),
    path("m/<slug:slug>/outreach/new/", views.phone_request_form, name="phone-form"),
    path("m/<slug:slug>/outreach/plan/", views.day_plan, name="day-plan"),
    path("m/<slug:slug>/outreach/<int:pk>/", views.request_detail, name="detail"),
    path("m/<slug:slug>/outreach/<int:pk>/triage/", views.request_triage, name="triage"),
    path("m/<slug:slug>/outreach/<int:pk>/schedule/", views.request_schedule, name="schedule"),
    path("m/<slug:slug>/outreach/<int:pk>/complete/", views.request_complete, name="complete"),
    path("m/<slug:slug>/outreach/<int:pk>/cancel/", views.request_cancel, name="cancel"),
    path(
        "m/<slug:slug>/outreach/visits/<int:visit_id>/outcome/",
        views.visit_outcome,
        name="visit-outcome",
    ),
]
