"""Fixtures of the reminder tests: the bureau's staff, finance and manager with e-mail
addresses (tests/helpers.py has the Shanghai clock, the command and one installment due)."""

import pytest


@pytest.fixture
def people(staff_user, finance_user, manager_user):
    for user in (staff_user, finance_user, manager_user):
        user.email = f"{user.username}@example.cn"
        user.save()
    return staff_user, finance_user, manager_user


@pytest.fixture(scope="session")
def robot_certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (certificate file, key file)."""
    import subprocess

    folder = tmp_path_factory.mktemp("robot-tls")
    cert, key = folder / "robot.pem", folder / "robot.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def local_robots(settings, robot_certificate):
    """This machine's 127.0.0.1 as an installation's own robot host: on the allow-list,
    trusted although loopback (as an intranet relay would be), its certificate trusted."""
    settings.REMINDER_WEBHOOK_HOSTS = ["127.0.0.1"]
    settings.REMINDER_WEBHOOK_TRUSTED_NETWORKS = ["127.0.0.1/32"]
    settings.REMINDER_WEBHOOK_CA_FILE = str(robot_certificate[0])
    return robot_certificate
