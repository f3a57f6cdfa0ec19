"""The production configuration passes Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_the_production_environment(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 30 + "-prod-secret-key-with-enough-entropy-1234567890",
        "DJANGO_ALLOWED_HOSTS": "mz.example.gov.cn",
        "DATABASE_URL": "postgres://app@127.0.0.1:5432/app",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "STORAGE_URL": "s3://attachments?endpoint_url=http://127.0.0.1:9",
        "VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    # ...and not because a check was silenced.
    silenced = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings as s;print(repr(s.SILENCED_SYSTEM_CHECKS))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert silenced.stdout.strip().splitlines()[-1] == "[]", silenced.stdout + silenced.stderr


def test_the_embedded_default_uses_sqlite_and_the_filesystem_broker(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["VAR_DIR"] = str(tmp_path)
    code = (
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings');"
        "from django.conf import settings as s;"  # the settings module only (no app loads)
        "print(s.DATABASES['default']['ENGINE']); print(s.CELERY_BROKER_URL); print(s.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://", "True"]


def test_the_filesystem_broker_keeps_every_folder_under_var(tmp_path):
    # kombu's filesystem transport puts its control folder in the working directory unless
    # told otherwise: `make run` wrote control/ into the checkout.
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["VAR_DIR"] = str(tmp_path)
    code = (
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings');"
        "from django.conf import settings as s;"  # the settings module only (no app loads)
        "o = s.CELERY_BROKER_TRANSPORT_OPTIONS;"
        "print(o['data_folder_in']); print(o['processed_folder']); print(o['control_folder'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == [
        str(tmp_path / "celery" / "queue"),
        str(tmp_path / "celery" / "processed"),
        str(tmp_path / "celery" / "control"),
    ]


def test_every_environment_variable_the_settings_read_is_in_the_readme():
    import re

    sources = [ROOT / "config" / "settings.py", ROOT / "config" / "production.py"]
    settings_source = "".join(path.read_text(encoding="utf-8") for path in sources)
    read = set(
        re.findall(r'\.(?:str|bool|int|float|list|db|email)\(\s*"([A-Z_]+)"', settings_source)
    )
    gunicorn = (ROOT / "deploy" / "gunicorn.conf.py").read_text(encoding="utf-8")
    read |= set(re.findall(r'environ\.get\(\s*"([A-Z_]+)"', gunicorn))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Environment") : readme.index("## Production")]
    documented = set(re.findall(r"`([A-Z][A-Z_]+)`", table))
    assert {"CELERY_TASK_ALWAYS_EAGER", "DJANGO_SECRET_KEY", "STORAGE_URL", "GUNICORN_BIND"} <= read
    assert sorted(read - documented) == []


def test_the_version_is_written_once_in_pyproject():
    import tomllib
    from importlib.metadata import version

    from django.conf import settings

    with open(ROOT / "pyproject.toml", "rb") as file:
        declared = tomllib.load(file)["project"]["version"]
    assert settings.VERSION == version("socialwork-contracts") == declared
    settings_source = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    assert declared not in settings_source
