from django.urls import path

from satupintu.dossiers import verify_views, views

app_name = "dossiers"
urlpatterns: list = [
    # The public verification page the QR code on a result leads to (API.md: /verify/{code}).
    path("verify/", verify_views.verify_index, name="verify-index"),
    path("verify/<str:code>/", verify_views.verify_page, name="verify"),
    path("verify/<str:code>", verify_views.verify_page, name="verify-bare"),
    # Back office and front office.
    path("bo/", views.worklist, name="worklist"),
    path("bo/berkas/<int:dossier_id>/", views.dossier_page, name="dossier"),
    path("bo/berkas/<int:dossier_id>/aksi/", views.dossier_act, name="act"),
    path("bo/berkas/<int:dossier_id>/ambil/", views.dossier_take, name="take"),
    path("bo/berkas/<int:dossier_id>/tugaskan/", views.dossier_assign, name="assign"),
    path("bo/berkas/<int:dossier_id>/nik/", views.dossier_nik, name="nik"),
    path(
        "bo/berkas/<int:dossier_id>/dokumen/<int:requirement_id>/periksa/",
        views.document_check,
        name="document-check",
    ),
    path(
        "bo/berkas/<int:dossier_id>/dokumen/<int:requirement_id>/unggah/",
        views.document_upload,
        name="document-upload",
    ),
    path(
        "bo/berkas/<int:dossier_id>/dokumen/<int:requirement_id>/berkas/",
        views.document_file,
        name="document-file",
    ),
    path("loket/berkas/baru/", views.intake, name="intake"),
    path("kasir/", views.cashier, name="cashier"),
    # Applicants: receipts and results, online application and tracking.
    path("berkas/<int:dossier_id>/bukti.pdf", views.receipt_pdf, name="receipt"),
    path("berkas/<int:dossier_id>/hasil.pdf", views.result_pdf, name="result"),
    path("berkas/<int:dossier_id>/hasil.zip", views.results_zip, name="results-zip"),
    path("berkas/<int:dossier_id>/terkirim/", views.applied, name="applied"),
    path("m/<slug:slug>/ajukan/", views.apply_index, name="apply"),
    path("m/<slug:slug>/ajukan/<str:code>/", views.apply, name="apply"),
    path("lacak/", views.track, name="track"),
    path("lacak/<str:code>/", views.track_code, name="track-code"),
]
