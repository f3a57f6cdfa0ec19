"""What the reminders say: notice titles and bodies, the e-mails, the group robot's message.

Text only, from values the caller has read: nothing here queries the database or decides
whether a notice applies (that is :mod:`payments.reminders.rules`).
"""

import datetime

from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

from core.money import to_wan
from payments.models import Notice

R = Notice.Rule


def wan(amount) -> str:
    """An amount in yuan as 万元 with two decimals, as the notices show it."""
    return f"{to_wan(amount):.2f}"


# --- installment notices ---------------------------------------------------------------------


def title(rule: str, name: str, days: int) -> str:
    """An installment notice's title: what is wrong with it, and for how many days."""
    values = {"name": name, "days": days}
    if rule == R.DUE_SOON:
        return (
            _("%(name)s 今天到期") % values
            if days == 0
            else _("%(name)s %(days)s 天后到期") % values
        )
    if rule == R.DOCUMENTS_LATE:
        return _("%(name)s 付款资料逾期 %(days)s 天未交") % values
    if rule == R.LATE:
        return _("%(name)s 已逾期 %(days)s 天未付") % values
    return _("%(name)s 审批后 %(days)s 天仍未付款") % values


# The bodies read an installment row of the scan (candidates.DueRow): its due date,
# outstanding amount, documents deadline, provider and delay reason.


def due_soon_body(row) -> str:
    return _("应付日期 %(due)s，尚未支付 %(amount)s 万元，请做好付款准备。") % {
        "due": row.due_date,
        "amount": wan(row.outstanding),
    }


def documents_late_body(row) -> str:
    return _("资料提交期限 %(deadline)s，%(provider)s 尚未交齐付款资料；应付日期 %(due)s。") % {
        "deadline": row.documents_due,
        "provider": row.provider_name,
        "due": row.due_date,
    }


def late_body(row) -> str:
    return _("应付日期 %(due)s，尚未支付 %(amount)s 万元，延迟原因：%(reason)s。") % {
        "due": row.due_date,
        "amount": wan(row.outstanding),
        "reason": row.delay_reason or _("未填写"),
    }


def approved_unpaid_body(row, *, term_days: int) -> str:
    return _("%(approved)s 审批通过，超过 %(limit)s 天付款期限，尚未支付 %(amount)s 万元。") % {
        "approved": row.approved_on,
        "limit": term_days,
        "amount": wan(row.outstanding),
    }


# --- execution notices -----------------------------------------------------------------------


def behind_target_title(*, year: int, gap) -> str:
    return _("%(year)s 年预算执行率落后序时进度 %(gap)s 个百分点") % {
        "year": year,
        "gap": f"{-gap:.2f}",
    }


def behind_target_body(*, day: datetime.date, rate, target) -> str:
    return _("截至 %(day)s，预算执行率 %(rate)s%%，序时进度 %(target)s%%。") % {
        "day": day,
        "rate": rate,
        "target": target,
    }


def projection_low_title(*, year: int, projected, target) -> str:
    return _("%(year)s 年预计年末执行率 %(projected)s%%，低于目标 %(target)s%%") % {
        "year": year,
        "projected": projected,
        "target": f"{target:.2f}",
    }


def projection_low_body(*, paid, scheduled, late, issued) -> str:
    return _(
        "已支付 %(paid)s 万元，年内尚待支付且未逾期 %(scheduled)s 万元，"
        "逾期未付 %(late)s 万元，实际下达预算 %(issued)s 万元。"
    ) % {
        "paid": to_wan(paid),
        "scheduled": to_wan(scheduled),
        "late": to_wan(late),
        "issued": to_wan(issued),
    }


# --- e-mail and the group robot --------------------------------------------------------------


def notice_email(notice: Notice, to: list[str]) -> EmailMessage:
    """The e-mail a bureau's person gets for a notice: its title, body and link."""
    body = f"{notice.body}\n\n{notice.url}\n"
    return EmailMessage(subject=f"[{_('社工服务项目管理')}] {notice.title}", body=body, to=to)


def _portal_link(contract) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.SITE_URL.rstrip("/") + reverse("portal:contract", args=[contract.pk])


def document_returned_email(document, *, reason: str, to: list[str]) -> EmailMessage:
    """The e-mail the provider's people get when staff return a document they handed in:
    which document, why, and the link to hand in a new one."""
    installment = document.installment
    contract = installment.contract
    bureau = installment.bureau.name
    body = "\n".join(
        [
            _(
                "%(bureau)s退回了%(contract)s（合同编号 %(number)s）%(installment)s的"
                "付款资料“%(document)s”。"
            )
            % {
                "bureau": bureau,
                "contract": contract.title,
                "number": contract.number,
                "installment": installment.label,
                "document": document.title,
            },
            _("退回原因：%(reason)s") % {"reason": reason},
            _("请登录服务机构门户重新提交：%(link)s") % {"link": _portal_link(contract)},
            "",
            bureau,
        ]
    )
    return EmailMessage(
        subject=_("【%(bureau)s】付款资料被退回：%(document)s")
        % {"bureau": bureau, "document": document.title},
        body=body + "\n",
        to=to,
    )


def provider_email(installment, *, missing: list[str], on: datetime.date) -> EmailMessage:
    """The e-mail the provider's contact gets for late documents: which installment,
    which documents are missing, whom to ask at the bureau, and the link to the
    contract's page in the provider portal, where the documents are handed in.

    ``installment`` comes with its bureau, contract, award, project, provider and owners.
    """
    contract = installment.contract
    provider = contract.award.provider
    bureau = installment.bureau.name
    owner = contract.owner or contract.award.project.owner
    if owner is not None:
        contact = [_("%(name)s（%(bureau)s）") % {"name": owner, "bureau": bureau}]
        if owner.phone:
            contact.append(_("电话 %(phone)s") % {"phone": owner.phone})
        if owner.email:
            contact.append(_("邮箱 %(email)s") % {"email": owner.email})
        ask = _("如有疑问，请联系：%(contact)s。") % {"contact": "，".join(contact)}
    else:
        ask = _("如有疑问，请联系%(bureau)s。") % {"bureau": bureau}
    greeting = (
        f"{provider.name} {provider.contact_person}" if provider.contact_person else provider.name
    )
    lines = [
        _("%(provider)s：") % {"provider": greeting},
        "",
        _(
            "贵机构承接的%(project)s（%(contract)s，合同编号 %(number)s）%(installment)s"
            "的付款资料应于 %(deadline)s 前提交，截至 %(today)s 尚未收到以下资料："
        )
        % {
            "project": contract.award.project.name,
            "contract": contract.title,
            "number": contract.number,
            "installment": installment.label,
            "deadline": installment.documents_due,
            "today": on,
        },
        *[f"  - {name}" for name in missing],
        "",
        _("本期款应付日期为 %(due)s，资料交齐并审核通过后方可付款，请尽快提交。")
        % {"due": installment.due_date},
        _("请登录服务机构门户在线提交：%(link)s") % {"link": _portal_link(contract)},
        ask,
        "",
        bureau,
    ]
    return EmailMessage(
        subject=_("【%(bureau)s】请尽快提交%(project)s%(installment)s付款资料")
        % {
            "bureau": bureau,
            "project": contract.award.project.name,
            "installment": installment.label,
        },
        body="\n".join(lines) + "\n",
        to=[provider.email],
    )


def webhook_payload(notice: Notice) -> dict:
    """The JSON a WeCom/DingTalk-style group robot receives (markdown message)."""
    data = notice.data
    lines = [f"**{notice.title}**", notice.body]
    if data.get("installment"):
        lines.append(
            _("分期款：%(project)s · %(contract)s %(installment)s，未付 %(amount)s 万元")
            % {
                "project": data.get("project"),
                "contract": data.get("contract"),
                "installment": data.get("installment"),
                "amount": data.get("outstanding_wan"),
            }
        )
    if data.get("days_late") is not None:
        lines.append(_("逾期天数：%(days)s") % {"days": data["days_late"]})
    lines.append(f"[{_('查看详情')}]({notice.url})")
    content = "\n\n".join(lines)
    return {
        "msgtype": "markdown",
        "markdown": {"title": notice.title, "content": content, "text": content},
        "notice": {
            "rule": notice.rule,
            "level": notice.level,
            "urgent": notice.urgent,
            "title": notice.title,
            "url": notice.url,
            **{k: v for k, v in data.items() if k not in ("recipients", "provider_email")},
        },
    }
