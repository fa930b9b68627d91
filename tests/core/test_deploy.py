import os
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, extra_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(extra_env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_ALLOWED_HOSTS": "rongcuo.example.gov.cn",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/rongcuo",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_check_deploy_has_no_warnings():
    """Production settings pass `check --deploy` with zero warnings."""
    result = _manage("check", "--deploy", "--fail-level", "WARNING",
                     extra_env={**PROD_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    """Without DJANGO_SECRET_KEY, production settings fail loudly."""
    result = _manage("check", extra_env=PROD_ENV)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_compose_file_services_and_commands():
    """docker-compose.yml defines web, worker, beat, PostgreSQL and Redis,
    reusing one service definition, with health checks and named volumes."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"web", "worker", "beat", "postgres", "redis"}
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert "worker" in services["worker"]["command"] and "celery" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    # One definition reused: worker and beat share web's image and environment.
    for name in ("worker", "beat"):
        assert services[name]["image"] == services["web"]["image"]
        assert services[name]["env_file"] == services["web"]["env_file"]
    for name in ("web", "postgres", "redis"):
        assert "healthcheck" in services[name]
    assert services["web"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert {"postgres-data", "media"} <= set(compose["volumes"])
    assert (ROOT / "Dockerfile").exists()


def test_no_secrets_tracked():
    """No .env file, database file or key is tracked by git."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert not [f for f in files if f.endswith((".sqlite3", ".pem")) or Path(f).name == ".env"]


def test_production_plans_no_parallel_workers_unless_told():
    """Production's connections plan no parallel query (issue 19: starting
    two workers cost a search page 90 of its 112 ms at 1M cases);
    DB_PARALLEL_WORKERS_PER_GATHER sets another number."""
    script = ("from django.db import connection; c = connection.cursor(); "
              "c.execute('SHOW max_parallel_workers_per_gather'); print('WORKERS', c.fetchone()[0])")
    env = {**PROD_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres"}
    for extra, workers in (({}, "0"), ({"DB_PARALLEL_WORKERS_PER_GATHER": "2"}, "2")):
        result = _manage("shell", "-c", script, extra_env={**env, **extra})
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"WORKERS {workers}" in result.stdout


def test_the_web_process_starts_with_its_views_loaded_and_frozen():
    """config.wsgi imports every view and freezes what start-up made (issue
    19: a full collection of those objects was a 100+ ms request about
    once every fifty), so a full collection afterwards walks only what
    requests leave."""
    script = ("import gc, sys; import config.wsgi; "
              "print('FROZEN', gc.get_freeze_count(), 'VIEWS', 'cases.apis' in sys.modules, "
              "'dashboard.views' in sys.modules, 'WALKED', len(gc.get_objects()))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({**PROD_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres"})
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    words = result.stdout.split("FROZEN", 1)[1].split()
    assert int(words[0]) > 50_000 and words[2] == "True" and words[3] == "True"
    assert int(words[5]) < 5_000  # what a collection walks: not the frozen ones
