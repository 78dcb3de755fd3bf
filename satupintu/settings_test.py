"""Settings of the test suite and the type checker: the production settings, read with
throw-away secrets of their own. The production settings have no default secret at all, so
these values exist only here, never in a running mall (which loads `satupintu.settings`)."""

import os

TEST_ENVIRONMENT = {
    "SECRET_KEY": "tests-only-secret-key-never-used-by-a-deployment-0123456789abcdef",
    "PERSONAL_DATA_KEY": "tests-only-personal-data-key-never-used-by-a-deployment",
    "SIGNING_PASSPHRASE": "tests-only-signing-passphrase",
}
for _name, _value in TEST_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)

from satupintu.settings import *  # noqa: E402, F403
