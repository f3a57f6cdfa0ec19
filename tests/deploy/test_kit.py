"""The deployment kit's files agree with the project: the lock covers every dependency,
the units and the compose file run exactly one beat, and each process gets what it needs.

deploy/install-test and deploy/multinode-test run the kit for real (.ci/run).
"""

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _locked() -> dict[str, str]:
    text = (DEPLOY / "requirements.lock").read_text()
    return {
        re.sub(r"[-_.]+", "-", name).lower(): version
        for name, version in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", text, re.M)
    }


def test_the_lock_pins_every_dependency_with_hashes():
    locked = _locked()
    with open(ROOT / "pyproject.toml", "rb") as file:
        declared = [Requirement(r) for r in tomllib.load(file)["project"]["dependencies"]]
    for requirement in declared:
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in locked, f"{name} is not in deploy/requirements.lock: make lock"
        assert requirement.specifier.contains(locked[name]), (name, locked[name])
    assert {"boto3", "botocore", "redis", "kombu"} <= set(locked)  # extras and theirs
    entries = re.split(r"\n(?=[A-Za-z0-9])", (DEPLOY / "requirements.lock").read_text())
    pinned = [e for e in entries if "==" in e.split("\n")[0]]
    assert len(pinned) == len(locked)
    assert all("--hash=sha256:" in entry for entry in pinned)


def _exec_start(unit: str) -> str:
    text = (DEPLOY / "systemd" / unit).read_text()
    [line] = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    return line.removeprefix("ExecStart=")


def test_the_units_run_web_workers_and_one_beat_from_the_environment_file():
    units = sorted(p.name for p in (DEPLOY / "systemd").iterdir())
    assert units == [
        "socialwork-beat.service",
        "socialwork-web.service",
        "socialwork-worker@.service",
    ]
    assert [u for u in units if " beat" in _exec_start(u)] == ["socialwork-beat.service"]
    assert "--config deploy/gunicorn.conf.py" in _exec_start("socialwork-web.service")
    for unit in units:
        text = (DEPLOY / "systemd" / unit).read_text()
        assert "EnvironmentFile=/etc/socialwork/env" in text
        assert "User=socialwork" in text


def test_compose_runs_one_beat_and_every_app_process_from_one_image():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    app = {
        name: s for name, s in services.items() if s.get("image") == "socialwork-contracts:latest"
    }
    assert sorted(app) == ["beat", "migrate", "web", "worker"]
    assert [n for n, s in app.items() if "beat" in s["command"]] == ["beat"]
    for service in app.values():
        environment = service["environment"]
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert environment["DATABASE_URL"].endswith("@db:5432/socialwork")
        assert environment["STORAGE_URL"].startswith("s3://socialwork-files?")
        assert environment["DJANGO_SECRET_KEY"] == "${DJANGO_SECRET_KEY:?set DJANGO_SECRET_KEY}"
    for name in ("web", "worker", "beat"):
        assert app[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_the_environment_template_leaves_the_secrets_empty():
    values = dict(
        line.split("=", 1)
        for line in (DEPLOY / "env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert values["DJANGO_DEBUG"] == "0"
    assert values["DJANGO_SECRET_KEY"] == values["AWS_SECRET_ACCESS_KEY"] == ""


def test_the_nginx_site_takes_20_mb_uploads_and_says_the_scheme():
    site = (DEPLOY / "nginx" / "socialwork.conf").read_text()
    [size] = re.findall(r"client_max_body_size (\d+)m;", site)
    assert int(size) > 20
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "listen 443 ssl" in site and "return 301 https://" in site
