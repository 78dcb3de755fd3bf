from django.urls import path

from satupintu.feedback import views

app_name = "feedback"
urlpatterns = [
    # Survey (SKM): ticket QR and notification links first, so that they win over a mall slug.
    path("survei/t/<int:ticket_id>/<str:token>/", views.survey_for_ticket, name="survey-ticket"),
    path("survei/k/<str:tracking_code>/", views.survey_for_dossier, name="survey-dossier"),
    path("survei/<slug:mall_slug>/", views.survey_start, name="survey"),
    path("survei/<slug:mall_slug>/terima-kasih/", views.survey_thanks, name="survey-thanks"),
    path(
        "survei/<slug:mall_slug>/layanan/<int:service_id>/",
        views.survey_form,
        name="survey-form",
    ),
    path("laporan/ikm/<slug:mall_slug>/", views.ikm_report_page, name="ikm-report"),
    # Complaints (pengaduan)
    path("pengaduan/<slug:mall_slug>/", views.complaint_form, name="complaint"),
    path("status-pengaduan/", views.complaint_lookup, name="complaint-lookup"),
    path("status-pengaduan/<str:code>/", views.complaint_status, name="complaint-status"),
    path("staf/pengaduan/<slug:mall_slug>/", views.complaints_inbox, name="complaints-inbox"),
    path("staf/aduan/<str:code>/", views.staff_complaint, name="staff-complaint"),
]
