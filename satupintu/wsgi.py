"""The WSGI entry point: the JSON API and the pages under a WSGI server (granian, several worker
processes), without the sync/async hand-offs Django makes for sync views under ASGI. The event
streams (SSE) are async views and are served by the ASGI entry point (`satupintu.asgi`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satupintu.settings")

django_application = get_wsgi_application()

# Imported after Django is set up (it reads the settings).
from satupintu.core.request_limits import WSGIRequestBodyLimit  # noqa: E402

application = WSGIRequestBodyLimit(django_application)
