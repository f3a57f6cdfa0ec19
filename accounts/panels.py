"""Page panels: the one way a higher app adds to a lower app's page.

Imports run one way (evaluations → payments → contracts → accounts), so the contracts
app's contract page cannot import the payments app to show the installments, nor the
payments app's dashboard the evaluations' overdue rectifications. Instead the page names
the places it offers (:data:`PAGES`, each with the values it hands a panel), and the
higher app registers a panel for it in its ``AppConfig.ready()``::

    panels.register("contracts:contract-detail", panels.Panel(
        "installments",                                # its name on the page
        "payments/panels/contract_installments.html",  # its template
        contract_installments,                         # (request=, contract=) -> dict
    ))

The page's view puts ``panels.bound(page, request=..., **values)`` in its context and its
template renders them with ``{% load panels %}{% for panel in panels %}{% render_panel
panel %}{% endfor %}``. A panel's context is computed only when the panel is rendered, so
a page served from a fragment cache computes none of its panels. No route elsewhere
replaces an app's own page (tests/test_url_composition.py).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

# The pages that offer panels (named by their URL) and the values each hands its panels,
# besides the request.
PAGES: dict[str, tuple[str, ...]] = {
    "contracts:contract-detail": ("contract",),
    "contracts:project-detail": ("project",),
    "contracts:provider-detail": ("provider",),
    # The provider chosen on the form (None before one is chosen).
    "contracts:award-create": ("provider",),
    "payments:dashboard": ("year", "as_of"),
}

_registry: dict[str, dict[str, "Panel"]] = {page: {} for page in PAGES}


@dataclass(frozen=True)
class Panel:
    """A part of another app's page: a template and the context it is rendered with."""

    name: str
    template: str
    # Called with ``request=`` and the page's values as keywords; returns the template's
    # own variables (the page's context stays visible underneath).
    context: Callable[..., dict]
    order: int = 100


@dataclass
class BoundPanel:
    """A panel with the request and the page's values, rendered on demand."""

    panel: Panel
    values: dict = field(default_factory=dict)

    @property
    def template(self) -> str:
        return self.panel.template

    def context(self) -> dict:
        return self.panel.context(**self.values)


def register(page: str, panel: Panel) -> None:
    """Add ``panel`` to ``page`` (again under the same name: replaced, not doubled)."""
    if page not in PAGES:
        raise KeyError(f"{page!r} offers no panels; pages that do: {sorted(PAGES)}")
    _registry[page][panel.name] = panel


def registered(page: str) -> list[Panel]:
    """The panels of ``page``, in their order."""
    return sorted(_registry[page].values(), key=lambda p: (p.order, p.name))


def bound(page: str, *, request, **values) -> list[BoundPanel]:
    """The panels of ``page`` for this request and the page's values."""
    expected = set(PAGES[page])
    if set(values) != expected:
        raise TypeError(f"{page} hands its panels {sorted(expected)}, not {sorted(values)}")
    return [BoundPanel(panel, {"request": request, **values}) for panel in registered(page)]
