"""``{% render_panel panel %}``: a panel another app registered for this page
(accounts/panels.py), rendered with its own context on top of the page's."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def render_panel(context, panel):
    panel_template = context.template.engine.get_template(panel.template)
    with context.push(**panel.context()):
        return panel_template.render(context)
