from django.urls import path

from satupintu.core.health import healthz, readyz
from satupintu.core.metrics import metrics_view
from satupintu.core.public_url import favicon

app_name = "core"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("favicon.ico", favicon, name="favicon"),
]
