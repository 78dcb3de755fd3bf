"""The `satupintu` console command: Django's management commands for this project."""

import os
import sys

from satupintu import startup


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satupintu.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    startup.secrets_optional = command in startup.COMMANDS_WITHOUT_SECRETS or command.startswith(
        "-"
    )
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        # Load the settings now: Django would run some commands (shell, for one) without them.
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as exc:
        sys.exit(str(exc))
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
