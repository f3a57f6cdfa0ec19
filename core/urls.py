"""URL patterns for the pages most records have: list, new, detail, edit."""

from django.urls import path


def record_pages(views, record: str, prefix: str, *, edit: str = "update"):
    """The list, new, detail and edit pages of ``record`` (``"Budget"``) under ``prefix``.

    The views are the app's ``<Record>ListView``, ``CreateView``, ``DetailView`` and
    ``UpdateView`` (``EditView`` with ``edit="edit"``); the names ``<record>-list``,
    ``-create``, ``-detail`` and ``-<edit>``, as every template and test reverses them.
    """
    name = record.lower()

    def view(kind):
        return getattr(views, f"{record}{kind}View").as_view()

    return [
        path(prefix, view("List"), name=f"{name}-list"),
        path(f"{prefix}new/", view("Create"), name=f"{name}-create"),
        path(f"{prefix}<int:pk>/", view("Detail"), name=f"{name}-detail"),
        path(f"{prefix}<int:pk>/edit/", view(edit.capitalize()), name=f"{name}-{edit}"),
    ]
