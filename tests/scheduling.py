"""The order in which `make test`'s workers take the test files (pytest-xdist's loadfile).

pytest-xdist hands out whole files, those with the most tests first. Here instead:

1. First the files whose tests need no database (the import graph, the settings and
   logging of started processes…): the workers run them while the controlling process
   is still migrating the template of their test databases (tests/template_database.py),
   instead of waiting for it. The workers name these files after their collection
   (``note_files_without_database``), in a folder the controlling process gives them.
2. Then the others, the heaviest first, where a file's weight counts a long test (a
   browser journey, a real Celery worker: 5-15 s each) as many short ones: those go out
   early and the many small files fill the end, so both workers finish together.

Only the order changes; every file still runs whole in one worker.
"""

import os
from collections import OrderedDict
from pathlib import Path

from xdist.scheduler import LoadFileScheduling

HINTS = "SOCIALWORK_TEST_HINTS"  # the folder, in the environment the workers inherit
# What one test of a file weighs, by a part of the file's name; 1 otherwise.
WEIGHTS = {"test_browser_": 25, "test_worker.py": 40, "test_celery_worker.py": 10}
DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


def _file(nodeid: str) -> str:
    return nodeid.split("::")[0]


def weight(nodeids) -> int:
    return sum(
        next((w for part, w in WEIGHTS.items() if part in _file(nodeid)), 1) for nodeid in nodeids
    )


def note_files_without_database(items) -> None:
    """In a worker: write down the files none of whose tests uses the database."""
    folder = os.environ.get(HINTS)
    if not folder:
        return
    with_database, files = set(), set()
    for item in items:
        files.add(_file(item.nodeid))
        if item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(item.fixturenames):
            with_database.add(_file(item.nodeid))
    partial = Path(folder) / f"without-database.{os.getpid()}"
    partial.write_text("\n".join(sorted(files - with_database)), encoding="utf-8")
    os.replace(partial, Path(folder) / "without-database")


def _files_without_database() -> set[str]:
    folder = os.environ.get(HINTS)
    path = Path(folder) / "without-database" if folder else None
    if path is None or not path.exists():
        return set()
    return set(path.read_text(encoding="utf-8").split())


class HeaviestFilesFirst(LoadFileScheduling):
    _ordered = False

    def _assign_work_unit(self, node) -> None:
        if not self._ordered:
            without_database = _files_without_database()
            self.workqueue = OrderedDict(
                sorted(
                    self.workqueue.items(),
                    key=lambda unit: (unit[0] not in without_database, -weight(unit[1])),
                )
            )
            self._ordered = True
        super()._assign_work_unit(node)
