"""gunicorn's settings in production (deploy/systemd/socialwork-web.service, the Dockerfile).

Each can be changed from the environment file without editing this one.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
# The Word report and the Excel exports of a city take seconds, not minutes.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# A worker is replaced now and then, so a slow leak never grows for weeks.
max_requests = 2000
max_requests_jitter = 200
# nginx on this machine (or the load balancer's addresses) may say the request was HTTPS.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# The access log without the query string's values or the client's cookies.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'

if os.environ.get("DJANGO_LOG_FORMAT") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
