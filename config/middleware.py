"""Answers the health probes before anything else runs.

A load balancer probes each node by its address, often over plain HTTP: the host check
(ALLOWED_HOSTS) would answer 400, the HTTPS redirect 301 and the login 302. The probes
reveal nothing, so they skip all three.
"""

from config import views

PROBES = {"/healthz/": views.healthz, "/readyz/": views.readyz}


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)
