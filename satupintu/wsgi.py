"""The WSGI entry point: the JSON API and the pages under a WSGI server (granian, several worker
processes), without the sync/async hand-offs Django makes for sync views under ASGI. The event
streams (SSE) are async views and are served by the ASGI entry point (`satupintu.asgi`)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satupintu.settings")

django_application = get_wsgi_application()

# Imported after Django is set up (it reads the settings).
from satupintu.core.request_limits import WSGIRequestBodyLimit  # noqa: E402

application = WSGIRequestBodyLimit(django_application)

# Everything loaded so far (Django, the apps, the URL configuration with every view and schema)
# lives as long as the worker process. Frozen, it is left out of the cyclic garbage collector's
# passes, which otherwise walk the ~200,000 objects of a loaded worker again and again: in an
# in-process run of the queue cycle the CPU per operation fell from 1.5 to 1.1 ms (best of six;
# issue #15, docs/BENCHMARKS.md). Objects made later are collected as before.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - imports every view, router and schema now
gc.collect()
gc.freeze()
