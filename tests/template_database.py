"""The migrated SQLite database every test database starts as, built once and copied.

Migrating an empty database takes ten seconds and more here (Django renders the models'
states again at nearly every operation), and each process of `make test` would pay them
for its own test database. Instead one process migrates a template (with ``manage.py
migrate``, as an installation does) and every test database is a copy of it; the copy takes
milliseconds. Under pytest-xdist the controlling process starts that migration in the
background at once, while the workers start and collect the tests.

The template is kept in ``var/test-databases/`` under a key of everything that decides what
the migrations write: the project's Python sources (migrations, the post-migrate handlers
and what they install) and the installed packages' versions. A later run with the same
sources reuses it, as pytest-django's ``--reuse-db`` would, but it can never be stale: any
change to them gives another key and the template is built again. PostgreSQL is left to
Django (each worker migrates its own database).

``python -m tests.template_database PATH`` builds the template at PATH unless it exists.
"""

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "var" / "test-databases"
# Set for the workers while the controlling process migrates the template.
BUILDING = "SOCIALWORK_TEST_TEMPLATE_BUILDING"
# Folders of the checkout that hold no application source.
NOT_SOURCES = {".git", ".venv", "var", "tests", "bench", "deploy", "static", "locale", "scripts"}


def _sources():
    for folder, subfolders, files in os.walk(ROOT):
        if Path(folder) == ROOT:
            subfolders[:] = [name for name in subfolders if name not in NOT_SOURCES]
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(folder) / name


def template_path() -> Path:
    """Where the template for the current sources and packages is (or will be) kept."""
    digest = hashlib.sha256()
    # The installed packages, by their metadata folders' names (name and version), read
    # from site-packages alone: sys.path differs between pytest's processes.
    site_packages = Path(sysconfig.get_path("purelib"))
    packages = sorted(path.name for path in site_packages.glob("*.dist-info"))
    digest.update("\n".join(packages).encode())
    for path in _sources():
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return FOLDER / f"{digest.hexdigest()[:20]}.sqlite3"


def build(path: Path) -> None:
    """Migrate a new database into ``path`` unless another process did; one at a time."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return
        for old in FOLDER.glob("*.sqlite3"):
            old.unlink(missing_ok=True)  # built from earlier sources
        partial = path.with_name(f"{path.stem}.{os.getpid()}.partial")
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
            "DATABASE_URL": f"sqlite:///{partial}",
        }
        try:
            migrated = subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity=0"],
                cwd=ROOT,
                env=environment,
                capture_output=True,
                text=True,
            )
            if migrated.returncode:
                raise RuntimeError(f"migrate failed:\n{migrated.stdout}{migrated.stderr}")
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)


def start_building() -> subprocess.Popen | None:
    """Build the template in the background, unless it exists."""
    path = template_path()
    if path.exists():
        return None
    return subprocess.Popen([sys.executable, "-m", "tests.template_database", str(path)], cwd=ROOT)


def copy_instead_of_migrating(connection) -> None:
    """Let ``connection``'s test database be created as a copy of the template, built here
    if no other process has built it: Django's ``migrate`` inside ``create_test_db`` copies
    the file instead. (Only for a SQLite database in a file.)"""
    if connection.vendor != "sqlite" or connection.creation.is_in_memory_db(
        connection.creation._get_test_db_name()
    ):
        return
    create_test_db = connection.creation.create_test_db

    def create_from_template(*args, **kwargs):
        path = template_path()
        build(path)
        with _migrate_copies(connection, path):
            return create_test_db(*args, **kwargs)

    connection.creation.create_test_db = create_from_template


@contextlib.contextmanager
def _migrate_copies(connection, template: Path):
    from django.core.management.commands import migrate

    def copy(command, *args, **options):
        connection.close()
        shutil.copyfile(template, connection.settings_dict["NAME"])

    handle = migrate.Command.handle
    migrate.Command.handle = copy
    try:
        yield
    finally:
        migrate.Command.handle = handle


if __name__ == "__main__":
    build(Path(sys.argv[1]))
