import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satupintu.settings")

django_application = get_asgi_application()

# Imported after Django is set up (it reads the settings).
from satupintu.core.request_limits import RequestBodyLimit  # noqa: E402

application = RequestBodyLimit(django_application)
