"""Headers every response carries: a Content-Security-Policy without inline scripts, a
Permissions-Policy, and no caching of pages, exports and reports."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _directives(policy: str) -> dict[str, list[str]]:
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def test_every_page_has_a_policy_without_inline_scripts(client_for, staff_user, client):
    for response in (client.get("/accounts/login/"), client_for(staff_user).get("/contracts/")):
        policy = _directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"]
        assert policy["default-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in " ".join(sum(policy.values(), []))
        assert "camera=()" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]


def test_pages_exports_and_reports_are_never_stored(client, demo, demo_evaluation):
    client.force_login(demo["manager"])
    evaluation = demo_evaluation
    for url in (
        "/payments/dashboard/",
        "/contracts/export/",
        "/payments/installments/export/",
        f"/evaluations/{evaluation.pk}/report.docx",
        "/api/v1/execution/?year=2024",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        cache_control = {v.strip() for v in response["Cache-Control"].split(",")}
        assert {"no-store", "no-cache", "private"} <= cache_control, url


def _templates():
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        if ".venv" not in folder.parts:
            yield from folder.rglob("*.html")


def test_no_template_has_an_inline_script_or_handler_or_style():
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                offenders.append((path.name, tag))
        offenders += [(path.name, m) for m in re.findall(r"\son[a-z]+=\"", text)]
        offenders += [(path.name, m) for m in re.findall(r"\sstyle=\"", text)]
        offenders += [(path.name, m) for m in re.findall(r"href=\"javascript:", text)]
    assert offenders == []
