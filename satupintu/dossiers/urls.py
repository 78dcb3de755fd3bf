from django.urls import path

from satupintu.dossiers import verify_views

app_name = "dossiers"
urlpatterns: list = [
    # The public verification page the QR code on a result leads to (API.md: /verify/{code}).
    path("verify/<str:code>/", verify_views.verify_page, name="verify"),
    path("verify/<str:code>", verify_views.verify_page, name="verify-bare"),
]
