from django.urls import path

from satupintu.citizens import oidc, views

app_name = "citizens"
urlpatterns = [
    path("saya/", views.home, name="home"),
    path("saya/masuk/", views.sign_in, name="sign-in"),
    path("saya/masuk/kode/", views.sign_in_code, name="sign-in-code"),
    path("saya/keluar/", views.sign_out, name="sign-out"),
    path("saya/sso/", oidc.oidc_start, name="oidc-start"),
    path("saya/sso/callback/", oidc.oidc_callback, name="oidc-callback"),
    path("saya/profil/", views.profile_update, name="profile"),
    path("saya/klaim/", views.claim, name="claim"),
    path("saya/berkas/<int:dossier_id>/", views.dossier_page, name="dossier"),
    path(
        "saya/berkas/<int:dossier_id>/dokumen/<int:requirement_id>/",
        views.document_upload,
        name="document-upload",
    ),
    path("saya/berkas/<int:dossier_id>/kirim-ulang/", views.dossier_resubmit, name="resubmit"),
    path("saya/antrian/ambil/", views.remote_take, name="remote-take"),
    path("saya/antrian/<int:ticket_id>/lepas/", views.remote_give_up, name="remote-give-up"),
    path(
        "saya/janji/<int:appointment_id>/batal/",
        views.appointment_cancel,
        name="appointment-cancel",
    ),
    path("antrian/check-in/", views.check_in, name="check-in"),
    path("bo/berkas/<int:dossier_id>/akun-pemohon/", views.staff_owner, name="staff-owner"),
]
