"""What production reads from the environment beyond plain values: the fail-safe rules,
the Redis databases of the broker and the cache, and the file storage.

Settings call these once, at import; nothing here imports Django's settings.
"""

from urllib.parse import parse_qsl, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

# An embedded install gets a stable, obviously unsafe key; production must set its own.
DEVELOPMENT_SECRET_KEY = (
    "embedded-development-key-not-for-production-use-0123456789abcdefghijklmnop"
)


def refusals(
    *, debug: bool, single_node: bool, secret_key: str, redis_url: str, database_engine: str
) -> list[str]:
    """Why a production process (``DJANGO_DEBUG=0``) must not start; empty when it may.

    Each reason names the variable to set. A one-machine install (SQLite, no Redis) is
    allowed only when ``DJANGO_ALLOW_SINGLE_NODE=1`` says so; the secret key never is.
    """
    if debug:
        return []
    reasons = []
    if not secret_key:
        reasons.append(
            "DJANGO_SECRET_KEY is not set: with DJANGO_DEBUG=0 the site needs its own secret "
            "key (python3 -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    elif secret_key == DEVELOPMENT_SECRET_KEY:
        reasons.append(
            "DJANGO_SECRET_KEY is the development key committed in the source: with "
            "DJANGO_DEBUG=0 the site needs a secret key of its own."
        )
    if not single_node:
        if not redis_url:
            reasons.append(
                "REDIS_URL is not set: with DJANGO_DEBUG=0 every web server and worker must "
                "share one Redis for the broker and the cache (redis://host:6379/0); a "
                "one-machine install says so with DJANGO_ALLOW_SINGLE_NODE=1."
            )
        if database_engine.endswith("sqlite3"):
            reasons.append(
                "DATABASE_URL is SQLite (or not set): with DJANGO_DEBUG=0 the site needs "
                "PostgreSQL (postgres://user:password@host:5432/name); a one-machine install "
                "says so with DJANGO_ALLOW_SINGLE_NODE=1."
            )
    return reasons


def refuse_to_start(reasons: list[str]) -> None:
    if reasons:
        raise ImproperlyConfigured(
            "Refusing to start with DJANGO_DEBUG=0:\n" + "\n".join(f"  - {r}" for r in reasons)
        )


def redis_database_after(url: str) -> str:
    """The same Redis server with the next database number: ``…/0`` gives ``…/1``.

    The cache must not share the broker's database: clearing the cache (``FLUSHDB``) would
    drop queued tasks, and an eviction policy set for a cache would evict them too.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ImproperlyConfigured(
            f"REDIS_CACHE_URL must be set when REDIS_URL is not redis:// or rediss:// "
            f"({parts.scheme}://…)."
        )
    number = parts.path.strip("/") or "0"
    if not number.isdigit():
        raise ImproperlyConfigured("REDIS_URL must end in a database number, e.g. /0.")
    return urlunsplit(parts._replace(path=f"/{int(number) + 1}"))


def same_redis_database(first: str, second: str) -> bool:
    def where(url):
        parts = urlsplit(url)
        return (parts.hostname, parts.port or 6379, parts.path.strip("/") or "0")

    return where(first) == where(second)


def s3_options(env) -> dict | None:
    """django-storages' S3 options from ``STORAGE_URL`` or the ``AWS_*`` variables, or None.

    ``STORAGE_URL=s3://BUCKET[/PREFIX][?endpoint_url=…&region_name=…&addressing_style=…]``;
    or ``AWS_STORAGE_BUCKET_NAME`` with ``AWS_S3_ENDPOINT_URL`` and ``AWS_S3_REGION_NAME``.
    Credentials come from ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` (or boto3's own
    chain: an instance role, ``~/.aws``).
    """
    url = env.str("STORAGE_URL", default="")
    options = {
        "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME", default=""),
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
        "location": "",
    }
    if url:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ImproperlyConfigured(
                "STORAGE_URL must read s3://BUCKET[/PREFIX][?endpoint_url=…&region_name=…]."
            )
        options["bucket_name"] = parts.netloc
        options["location"] = parts.path.strip("/")
        allowed = {"endpoint_url", "region_name", "addressing_style"}
        for key, value in parse_qsl(parts.query):
            if key not in allowed:
                raise ImproperlyConfigured(
                    f"STORAGE_URL: unknown option {key!r} (known: {', '.join(sorted(allowed))})."
                )
            options[key] = value
    if not options["bucket_name"]:
        return None
    access_key = env.str("AWS_ACCESS_KEY_ID", default="")
    if access_key:
        options["access_key"] = access_key
        options["secret_key"] = env.str("AWS_SECRET_ACCESS_KEY", default="")
    return {
        **options,
        # Private objects: every download goes through the app's permission checks.
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
    }
