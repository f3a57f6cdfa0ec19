"""Where the server may send a group robot's message: https only, to 企业微信's or 钉钉's
robot hosts or the installation's own, at an address that is public when sent (unless the
installation trusts its network), and no redirect followed."""

import ssl
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ValidationError

from payments import webhooks
from payments.models import ReminderSettings
from tests.helpers import reminder_settings_form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1", "必须以 https:// 开头"),
        ("https://127.0.0.1/send", "群机器人地址只能是以下主机"),
        ("https://10.0.0.8/send", "群机器人地址只能是以下主机"),
        ("https://169.254.169.254/latest/meta-data/", "群机器人地址只能是以下主机"),
        ("https://qyapi.weixin.qq.com.evil.example/send", "群机器人地址只能是以下主机"),
        ("https://user:pw@oapi.dingtalk.com/robot/send", "不能包含用户名或密码"),
        ("https://qyapi.weixin.qq.com:99999/cgi-bin/webhook/send", "端口无效"),
    ],
)
def test_a_robot_address_off_the_list_is_refused_when_saved(bureau, url, message):
    settings_row = ReminderSettings(bureau=bureau, webhook_url=url)
    with pytest.raises(ValidationError) as refused:
        settings_row.full_clean()
    assert message in refused.value.message_dict["webhook_url"][0]


@pytest.mark.parametrize(
    "url",
    [
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
        "https://oapi.dingtalk.com/robot/send?access_token=abc",
    ],
)
def test_the_two_robot_hosts_are_accepted(bureau, url):
    ReminderSettings(bureau=bureau, webhook_url=url).full_clean()


def test_the_settings_page_refuses_an_internal_address(client_for, manager_user):
    response = client_for(manager_user).post(
        "/payments/reminders/settings/",
        reminder_settings_form(webhook_url="https://192.168.1.10/hook"),
    )
    assert response.status_code == 200
    assert "群机器人地址只能是以下主机" in response.content.decode()
    assert not ReminderSettings.objects.filter(webhook_url__contains="192.168").exists()


class _Redirecting(BaseHTTPRequestHandler):
    hits: list = []

    def do_POST(self):
        _Redirecting.hits.append(self.path)
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        self.end_headers()

    def log_message(self, *args):
        pass


def _serve(handler, certificate=None):
    server = HTTPServer(("127.0.0.1", 0), handler)
    if certificate:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*certificate)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_an_allowed_name_resolving_to_an_internal_address_is_refused_at_send_time(settings):
    # The installation put a name on its list; today it resolves to loopback.
    settings.REMINDER_WEBHOOK_HOSTS = ["localhost", "127.0.0.1"]
    settings.REMINDER_WEBHOOK_TRUSTED_NETWORKS = []
    _Redirecting.hits = []
    server = _serve(_Redirecting)
    try:
        for host in ("localhost", "127.0.0.1"):
            with pytest.raises(webhooks.WebhookRefused, match="解析为内部地址"):
                webhooks.post_json(f"https://{host}:{server.server_port}/send", b"{}", timeout=1)
    finally:
        server.shutdown()
    assert _Redirecting.hits == []  # nothing was sent


@pytest.mark.parametrize("address", ["10.1.2.3", "172.16.0.1", "192.168.0.1", "169.254.169.254"])
def test_private_and_link_local_addresses_are_never_public(settings, address):
    settings.REMINDER_WEBHOOK_TRUSTED_NETWORKS = []
    with pytest.raises(webhooks.WebhookRefused, match=f"内部地址 {address}"):
        webhooks.public_address(address, 443)


def test_a_redirect_is_not_followed(local_robots):
    _Redirecting.hits = []
    server = _serve(_Redirecting, local_robots)
    try:
        status = webhooks.post_json(
            f"https://127.0.0.1:{server.server_port}/send?key=1", b"{}", timeout=2
        )
    finally:
        server.shutdown()
    assert status == 302
    assert _Redirecting.hits == ["/send?key=1"]  # one request, to the robot only
