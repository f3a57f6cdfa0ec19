"""The order in which `make test`'s workers take the test files (pytest-xdist's loadfile).

pytest-xdist hands out whole files, those with the most tests first, so the files of one
long test (a browser journey, a real Celery worker: 5-15 s each) come last, and one worker
finishes such a file alone while the other waits. Here a file's weight counts those tests
as many short ones: they go out first, and the many small files fill the end evenly.
Only the order changes; every file still runs whole in one worker.
"""

from collections import OrderedDict

from xdist.scheduler import LoadFileScheduling

# What one test of a file weighs, by a part of the file's name; 1 otherwise.
WEIGHTS = {"test_browser_": 25, "test_worker.py": 40, "test_celery_worker.py": 10}


def weight(nodeids) -> int:
    return sum(
        next((w for part, w in WEIGHTS.items() if part in nodeid.split("::")[0]), 1)
        for nodeid in nodeids
    )


class HeaviestFilesFirst(LoadFileScheduling):
    _ordered = False

    def _assign_work_unit(self, node) -> None:
        if not self._ordered:
            self.workqueue = OrderedDict(
                sorted(self.workqueue.items(), key=lambda unit: -weight(unit[1]))
            )
            self._ordered = True
        super()._assign_work_unit(node)
