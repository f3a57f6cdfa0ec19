"""With DJANGO_DEBUG=0 the app refuses to start on development defaults, naming the variable."""

import pytest

from config.production import DEVELOPMENT_SECRET_KEY
from tests.config.conftest import project_env, run_project

POSTGRES = "postgres://app@127.0.0.1:5432/app"
REDIS = "redis://127.0.0.1:6379/0"
KEY = "prod-" + "k" * 60
STORAGE = "s3://attachments?endpoint_url=http://127.0.0.1:9"


def production(tmp_path, **values):
    """A complete production environment, with ``values`` changed (None removes one)."""
    env = project_env(
        tmp_path,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=KEY,
        DATABASE_URL=POSTGRES,
        REDIS_URL=REDIS,
        STORAGE_URL=STORAGE,
        DJANGO_ALLOWED_HOSTS="mz.example.gov.cn",
    )
    env.update(values)
    return {k: v for k, v in env.items() if v is not None}


def refusal(result) -> list[str]:
    """The reasons the process printed under 'Refusing to start with DJANGO_DEBUG=0:'."""
    assert result.returncode != 0, result.stdout
    text = result.stderr
    assert "Refusing to start with DJANGO_DEBUG=0:" in text, text
    block = text[text.index("Refusing to start") :].splitlines()[1:]
    return [line.strip()[2:] for line in block if line.startswith("  - ")]


def test_a_complete_production_environment_starts(tmp_path):
    result = run_project(["manage.py", "check"], production(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_a_secret_key_it_refuses(tmp_path):
    result = run_project(["manage.py", "check"], production(tmp_path, DJANGO_SECRET_KEY=None))
    assert refusal(result) == [
        "DJANGO_SECRET_KEY is not set: with DJANGO_DEBUG=0 the site needs its own secret key "
        "(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')."
    ]


def test_with_the_development_key_it_refuses(tmp_path):
    env = production(tmp_path, DJANGO_SECRET_KEY=DEVELOPMENT_SECRET_KEY)
    result = run_project(["manage.py", "check"], env)
    assert refusal(result) == [
        "DJANGO_SECRET_KEY is the development key committed in the source: with "
        "DJANGO_DEBUG=0 the site needs a secret key of its own."
    ]


def test_without_redis_it_refuses(tmp_path):
    result = run_project(["manage.py", "check"], production(tmp_path, REDIS_URL=None))
    assert refusal(result) == [
        "REDIS_URL is not set: with DJANGO_DEBUG=0 every web server and worker must share one "
        "Redis for the broker and the cache (redis://host:6379/0); a one-machine install says "
        "so with DJANGO_ALLOW_SINGLE_NODE=1."
    ]


def test_on_sqlite_it_refuses(tmp_path):
    result = run_project(["manage.py", "check"], production(tmp_path, DATABASE_URL=None))
    assert refusal(result) == [
        "DATABASE_URL is SQLite (or not set): with DJANGO_DEBUG=0 the site needs PostgreSQL "
        "(postgres://user:password@host:5432/name); a one-machine install says so with "
        "DJANGO_ALLOW_SINGLE_NODE=1."
    ]


def test_every_reason_is_named_at_once(tmp_path):
    env = production(tmp_path, DJANGO_SECRET_KEY=None, REDIS_URL=None, DATABASE_URL=None)
    reasons = refusal(run_project(["manage.py", "check"], env))
    assert [reason.split(" ")[0] for reason in reasons] == [
        "DJANGO_SECRET_KEY",
        "REDIS_URL",
        "DATABASE_URL",
    ]


def test_a_declared_single_node_install_runs_on_sqlite_without_redis(tmp_path):
    env = production(
        tmp_path, REDIS_URL=None, DATABASE_URL=None, STORAGE_URL=None, DJANGO_ALLOW_SINGLE_NODE="1"
    )
    result = run_project(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    # ...but never on the development key.
    env["DJANGO_SECRET_KEY"] = DEVELOPMENT_SECRET_KEY
    assert refusal(run_project(["manage.py", "check"], env))[0].startswith(
        "DJANGO_SECRET_KEY is the development key"
    )


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "gunicorn", "config.wsgi", "--bind", "127.0.0.1:0", "--workers", "1"],
        ["-m", "celery", "-A", "config", "worker", "--pool=solo"],
    ],
    ids=["gunicorn", "celery"],
)
def test_the_web_server_and_the_worker_refuse_too(tmp_path, command):
    result = run_project(command, production(tmp_path, DJANGO_SECRET_KEY=None), timeout=60)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_check_deploy_fails_on_the_development_key(tmp_path):
    # In debug the key is allowed to run, but the deployment check names it as an error.
    env = project_env(tmp_path, DJANGO_DEBUG="1")
    result = run_project(["manage.py", "check", "--deploy"], env)
    assert result.returncode == 1
    assert "(config.E001) SECRET_KEY is the development key committed in the source." in (
        result.stderr
    )
    assert "HINT: Set DJANGO_SECRET_KEY to a long random value of this site's own." in (
        result.stderr
    )


def test_check_deploy_warns_when_attachments_stay_on_one_machine(tmp_path):
    env = production(tmp_path, STORAGE_URL=None)
    result = run_project(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 1
    assert "(config.W001) Attachments are stored on this machine's disk" in result.stderr


# --- the broker and the cache: separate Redis databases ---------------------------------


def test_the_cache_takes_the_database_after_the_brokers(settings_of):
    broker, caches = settings_of("CELERY_BROKER_URL", "CACHES", REDIS_URL="redis://r1:6379/4")
    assert broker == "redis://r1:6379/4"
    assert caches["default"]["LOCATION"] == "redis://r1:6379/5"


def test_a_redis_url_without_a_database_number_means_zero(settings_of):
    broker, caches = settings_of("CELERY_BROKER_URL", "CACHES", REDIS_URL="redis://:secret@r1:6380")
    assert broker == "redis://:secret@r1:6380"
    assert caches["default"]["LOCATION"] == "redis://:secret@r1:6380/1"


def test_broker_and_cache_urls_of_their_own(settings_of):
    broker, caches = settings_of(
        "CELERY_BROKER_URL",
        "CACHES",
        CELERY_BROKER_URL="redis://queue:6379/2",
        REDIS_CACHE_URL="redis://cache:6379/0",
    )
    assert broker == "redis://queue:6379/2"
    assert caches["default"]["LOCATION"] == "redis://cache:6379/0"


def test_one_database_for_broker_and_cache_is_refused(tmp_path):
    env = project_env(tmp_path, REDIS_URL="redis://r1:6379/3", REDIS_CACHE_URL="redis://r1/3")
    result = run_project(["manage.py", "check"], env)
    assert result.returncode != 0
    assert (
        "REDIS_CACHE_URL and the broker (CELERY_BROKER_URL or REDIS_URL) name the same Redis "
        "database: give the cache a database of its own."
    ) in result.stderr
