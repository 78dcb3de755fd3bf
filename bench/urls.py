"""The product's URLs plus the floor endpoint, for the benchmark's server only."""

from django.urls import path

from bench.floor import floor_api
from satupintu.urls import urlpatterns as product_urlpatterns

urlpatterns = [path("bench/", floor_api.urls), *product_urlpatterns]
