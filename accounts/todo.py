"""我的待办 (my tasks): what waits for a user, the home page of every business role.

Like page panels (accounts/panels.py), this is an extension point a higher app fills in
its ``AppConfig.ready()``: each app registers the tasks of the records it owns, for the
roles that act on them::

    todo.register(todo.Todo(
        "installments-to-review",                 # its name (the page's element id)
        _("待审核的分期款"), _("分期款"),            # its label and its group
        roles={"finance"},                        # who sees it (any role name, also
                                                  # one a later app adds, e.g. "provider")
        url="payments:installment-list", query="status=under_review",
        count=InstallmentListView.count_matching, # (request, query) -> int | None
    ))

A task's count comes from the very list it links to (core.views.ListPageView's
``count_matching``: the list's selector and filters on the link's query), so the number
on the home page is the number of rows the link shows, by construction. Each count is one
bounded ``COUNT`` query, however many records there are.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Todo:
    """One kind of task: a label, the list it links to and how many wait there."""

    name: str
    label: str
    group: str
    roles: frozenset[str]
    url: str  # a URL name
    count: Callable  # (request, query) -> int | None (None: the user may not see the list)
    query: str = ""
    hint: str = ""
    order: int = 100


_registry: dict[str, Todo] = {}


def register(todo: Todo) -> None:
    """Add a task (again under the same name: replaced, not doubled)."""
    _registry[todo.name] = Todo(**{**todo.__dict__, "roles": frozenset(map(str, todo.roles))})


def registered() -> list[Todo]:
    return sorted(_registry.values(), key=lambda t: (t.order, t.name))


@dataclass
class Item:
    name: str
    label: str
    hint: str
    url: str
    count: int


def for_request(request) -> list[dict]:
    """The user's tasks, grouped in registration order: ``[{"label", "items"}]``.

    A task shows for every role the user holds; one the user may not list is left out.
    """
    user = request.user
    groups: dict[str, list[Item]] = {}
    for todo in registered():
        if not user.has_role(*todo.roles):
            continue
        count = todo.count(request, todo.query)
        if count is None:
            continue
        url = reverse(todo.url) + (f"?{todo.query}" if todo.query else "")
        groups.setdefault(str(todo.group), []).append(
            Item(todo.name, str(todo.label), str(todo.hint), url, count)
        )
    return [{"label": label, "items": items} for label, items in groups.items()]
