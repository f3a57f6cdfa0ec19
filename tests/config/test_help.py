"""使用说明: each role reads its own steps, each a link that opens, and the workflow drawn
once; reachable from the user menu."""

import re

import pytest


@pytest.mark.parametrize(
    ("username", "first_step"),
    [
        ("staff", "登记服务机构、服务项目、中标与合同"),
        ("finance", "登记预算：年初预算、指标下达、追加、调减"),
        ("manager", "查看预算执行看板与逾期分期款"),
        ("auditor", "查看预算执行看板"),
    ],
)
def test_each_role_reads_its_steps_and_each_link_opens(client_for, demo, username, first_step):
    client = client_for(demo[username])
    assert 'href="/help/" id="help-link"' in client.get("/?stay=1").content.decode()
    content = client.get("/help/").content.decode()
    assert content.count('id="workflow"') == 1
    assert "超过审批限额的由分管领导" in content
    steps = re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', content)
    assert steps[0][1] == first_step
    for url, label in steps:
        assert client.get(url.replace("&amp;", "&")).status_code == 200, (username, label)
