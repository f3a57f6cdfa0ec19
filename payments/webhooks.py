"""Outbound requests to group robots (群机器人): only where a bureau may send.

A robot address is accepted only as ``https://`` on an allow-list of robot hosts
(企业微信 ``qyapi.weixin.qq.com``, 钉钉 ``oapi.dingtalk.com``, plus the installation's
``REMINDER_WEBHOOK_HOSTS``). At send time the name is resolved once and the request goes
to that address, refused when it is private, loopback, link-local or otherwise not public
(unless the installation trusts it in ``REMINDER_WEBHOOK_TRUSTED_NETWORKS``, e.g. an
intranet relay); the connection is made to the address checked, so a name that resolves
differently a moment later (DNS rebinding) gains nothing. Redirects are not followed.
"""

import http.client
import ipaddress
import socket
import ssl
import urllib.parse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ROBOT_HOSTS = ("qyapi.weixin.qq.com", "oapi.dingtalk.com")


class WebhookRefused(Exception):
    """The robot address is not one the server may send to; the message says why."""


def allowed_hosts() -> set[str]:
    return {h.lower() for h in (*ROBOT_HOSTS, *settings.REMINDER_WEBHOOK_HOSTS)}


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a robot address, or None."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https":
        return _("群机器人地址必须以 https:// 开头。")
    host = (parts.hostname or "").lower()
    if host not in allowed_hosts():
        return _("群机器人地址只能是以下主机：%(hosts)s。") % {
            "hosts": "、".join(sorted(allowed_hosts()))
        }
    if parts.username or parts.password:
        return _("群机器人地址不能包含用户名或密码。")
    try:
        parts.port  # noqa: B018 -- urlsplit checks the port only when it is read
    except ValueError:
        return _("群机器人地址的端口无效。")
    return None


def validate_url(url: str) -> None:
    """The model field's validator (the settings page and the admin both save through it)."""
    if url and (problem := url_problem(url)):
        raise ValidationError(problem, code="webhook")


def _trusted(address) -> bool:
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.REMINDER_WEBHOOK_TRUSTED_NETWORKS
    )


def public_address(host: str, port: int) -> str:
    """The address ``host`` resolves to now, refused unless it is a public one."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise WebhookRefused(_("无法解析主机 %(host)s。") % {"host": host}) from exc
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    # Every address the name has must be acceptable: a name with one public and one
    # private address is refused, whatever the resolver happens to return first.
    for address in addresses:
        if not address.is_global and not _trusted(address):
            raise WebhookRefused(
                _("主机 %(host)s 解析为内部地址 %(address)s，拒绝发送。")
                % {"host": host, "address": address}
            )
    return str(addresses[0])


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, with the certificate checked for the host name."""

    def __init__(self, host, *, address, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post_json(url: str, body: bytes, *, timeout: float) -> int:
    """POST ``body`` to a robot; the HTTP status. Raises WebhookRefused for an address the
    server may not send to, OSError when the robot cannot be reached."""
    if problem := url_problem(url):
        raise WebhookRefused(problem)
    parts = urllib.parse.urlsplit(url)
    port = parts.port or 443
    address = public_address(parts.hostname, port)
    context = ssl.create_default_context(cafile=settings.REMINDER_WEBHOOK_CA_FILE or None)
    connection = _PinnedHTTPSConnection(
        parts.hostname, port=port, address=address, timeout=timeout, context=context
    )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        connection.request(
            "POST", path, body=body, headers={"Content-Type": "application/json; charset=utf-8"}
        )
        response = connection.getresponse()
        response.read()
        # A redirect is an answer, not an instruction: it is not followed.
        return response.status
    finally:
        connection.close()
