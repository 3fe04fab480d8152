"""The test suite's set-up (database, tasks, settings, static files) for the template mutants:
every fixture of tests/conftest.py, its autouse ones included, without a list to keep."""

import tests.conftest as suite

globals().update({name: value for name, value in vars(suite).items() if not name.startswith("__")})
