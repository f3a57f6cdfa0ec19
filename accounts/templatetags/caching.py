"""``{% fragment "family" "part" vary_on... %}…{% endfragment %}``: a template fragment
cached as one of the families declared in accounts/caching.py (its timeout from there).

The fragment varies on what follows the part's name, exactly like Django's ``{% cache %}``,
which does the caching; the family must be one the module declares as a fragment.
"""

from django import template
from django.templatetags.cache import CacheNode

from accounts import caching

register = template.Library()

FRAGMENTS = {caching.DASHBOARD_FIGURES.name, caching.NAVIGATION.name}


@register.tag("fragment")
def do_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError(f"'{bits[0]}' takes a family, a part and keys.")
    name, part = bits[1].strip("\"'"), bits[2].strip("\"'")
    if name not in FRAGMENTS:
        raise template.TemplateSyntaxError(
            f"{name!r} is not a fragment family of accounts/caching.py: {sorted(FRAGMENTS)}"
        )
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return CacheNode(
        nodelist,
        parser.compile_filter(str(caching.FAMILIES[name].timeout)),
        f"{name}.{part}",
        [parser.compile_filter(bit) for bit in bits[3:]],
        None,
    )
