from django.urls import path

from satupintu.catalog import views

app_name = "catalog"
urlpatterns = [
    path("m/<slug:slug>/mitra/", views.partners_page, name="partners"),
    path("m/<slug:slug>/mitra/invite/", views.partnership_invite, name="partnership-invite"),
    path(
        "m/<slug:slug>/mitra/<int:pk>/transition/",
        views.partnership_transition,
        name="partnership-transition",
    ),
    path(
        "m/<slug:slug>/mitra/<int:pk>/document/",
        views.partnership_document,
        name="partnership-document",
    ),
    path(
        "m/<slug:slug>/mitra/<int:pk>/mou.pdf",
        views.partnership_document_download,
        name="partnership-document-download",
    ),
    path(
        "m/<slug:slug>/mitra/<int:pk>/history/",
        views.partnership_history,
        name="partnership-history",
    ),
]
