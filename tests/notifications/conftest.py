from tests.deadlines.conftest import at, eager_celery  # noqa: F401
