import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satupintu.settings")

django_application = get_asgi_application()

# Imported after Django is set up (it reads the settings).
from satupintu.core.request_limits import RequestBodyLimit  # noqa: E402
from satupintu.queueing.fanout import DisplayStreams  # noqa: E402

# Display boards' event streams are served by the fan-out in front of Django (one event's bytes
# written to every board); everything else is Django's.
application = RequestBodyLimit(DisplayStreams(django_application))
