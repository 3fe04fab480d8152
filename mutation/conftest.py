"""The test suite's set-up (database, tasks, static files) for the template mutants."""

from tests.conftest import *  # noqa: F403
from tests.conftest import _empty_cache, _tasks_run_inline_and_static_files_by_plain_names  # noqa: F401
