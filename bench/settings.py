"""Settings of the server the queue benchmark starts: the product's own settings, with the URL
configuration of `bench.urls` (the product's URLs plus the floor endpoint). Only the benchmark
uses this module; the product never serves the floor endpoint."""

from satupintu.settings import *  # noqa: F403 - the product's settings, unchanged

ROOT_URLCONF = "bench.urls"
