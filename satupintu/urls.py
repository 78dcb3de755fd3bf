from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from satupintu.api import api

admin.site.site_header = "Satu Pintu"
admin.site.site_title = "Satu Pintu"

urlpatterns = [
    path("", include("satupintu.core.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("satupintu.accounts.urls")),
    path("", include("satupintu.queueing.urls")),
    path("", include("satupintu.dossiers.urls")),
    path("", include("satupintu.outreach.urls")),
    path("", include("satupintu.feedback.urls")),
    path("", include("satupintu.reports.urls")),
    path("", include("satupintu.planning.urls")),
    path("", include("satupintu.citizens.urls")),
    path("", include("satupintu.catalog.urls")),
    path("", include("satupintu.portal.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
