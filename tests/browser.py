"""Helpers for the browser tests."""


def go_to(page, group: str, item: str) -> None:
    """Open a navigation-bar menu and follow one of its links."""
    page.click(f'nav .dropdown-toggle:has-text("{group}")')
    page.click(f'nav .dropdown-menu.show a:has-text("{item}")')
    page.wait_for_load_state()
