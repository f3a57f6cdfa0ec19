"""Reads about users and bureaus, and the one rule of data scoping.

Every selector of the product scopes its rows with :func:`bureau_scope` before anything
else, so a record outside the user's bureau behaves exactly like a missing one.
"""

from django.db.models import Q, QuerySet

from accounts.models import Bureau, User


def visible_bureaus(*, user: User) -> QuerySet[Bureau]:
    """The bureaus whose records ``user`` may see."""
    if not user.is_authenticated:
        return Bureau.objects.none()
    bureau = user.bureau
    if bureau is None:
        return Bureau.objects.all() if user.is_superuser else Bureau.objects.none()
    if bureau.is_city_wide:
        return Bureau.objects.filter(division_code__startswith=bureau.scope_prefix)
    return Bureau.objects.filter(pk=bureau.pk)


def bureau_scope(*, user: User, field: str = "bureau") -> Q:
    """A filter for rows whose ``field`` (a path to a Bureau) the user may see.

    A single-bureau user gets a plain equality on the foreign key, so the filter needs no
    join; a city-wide user gets a subquery on the division code.
    """
    if not user.is_authenticated:
        return Q(pk__in=[])
    bureau = user.bureau
    if bureau is not None and not bureau.is_city_wide:
        return Q(**{f"{field}_id": bureau.pk})
    if bureau is None and user.is_superuser:
        return Q()
    return Q(**{f"{field}__in": visible_bureaus(user=user).values("pk")})


def is_multi_bureau(*, user: User) -> bool:
    """Whether the user's view spans several bureaus (a city-wide or superuser account)."""
    bureau = user.bureau
    return bureau is None or bureau.is_city_wide


def security_event_list(*, user: User):
    """The security audit log an audit administrator reads: their bureau's events (a
    city-wide bureau's: its district bureaus' too); an audit administrator of the
    platform, without a bureau, reads every event."""
    from accounts.models import SecurityEvent

    if not user.has_perm("accounts.view_securityevent"):
        return SecurityEvent.objects.none()
    queryset = SecurityEvent.objects.select_related("bureau")
    if user.bureau is None:
        return queryset
    return queryset.filter(bureau_scope(user=user))


def who_can(*, user: User, permissions) -> tuple[list[str], list[User]]:
    """Who does what ``user`` may not: the business roles holding every one of
    ``permissions`` (their Chinese names) and, for a business user, the active people of
    their bureau in those roles (at most ten). An administrator learns the roles only: no
    bureau's people through a refusal."""
    from accounts.roles import BUSINESS_ROLES, roles_holding

    roles = roles_holding(permissions)
    people = []
    if roles and user.is_authenticated and user.bureau_id and user.has_role(*BUSINESS_ROLES):
        people = list(
            User.objects.filter(
                bureau_id=user.bureau_id, is_active=True, groups__name__in=[str(r) for r in roles]
            )
            .exclude(pk=user.pk)
            .distinct()
            .order_by("username")[:10]
        )
    return [str(r.label) for r in roles], people
