"""How this process was started, read by the settings before anything else.

The server and every command that reads or writes data need the secrets (SECRET_KEY,
PERSONAL_DATA_KEY): without them the settings refuse to load. A few commands only look at the
code and the configuration; `satupintu` runs those without the secrets, so that a developer's
`makemigrations --check` needs no keys and `check --deploy` can list every missing setting at
once instead of stopping at the first."""

COMMANDS_WITHOUT_SECRETS = frozenset(
    {"check", "makemigrations", "makemessages", "compilemessages", "collectstatic", "help",
     "version", "planner_validate"}
)  # fmt: skip

# Set by `satupintu.manage.main` for the commands above; never from the environment.
secrets_optional = False
