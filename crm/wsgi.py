"""The WSGI application gunicorn serves (docs/deploy.md)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
application = get_wsgi_application()

from crm.startup import freeze_startup_objects  # noqa: E402 - needs the settings loaded above

freeze_startup_objects()
