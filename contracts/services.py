"""Writes of the contracts register. Every change is validated here and kept in history.

Services refuse bad input with a ``ValidationError`` keyed by field, so a form shows
the message beside the field and nothing is saved. Advice that should not block a save
(a contract longer than a year, a provider not registered with civil affairs) comes from
the ``*_warnings`` functions, which views show after saving.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Bureau, User
from accounts.records import record_save
from accounts.roles import Role
from contracts.models import (
    AnnualGoal,
    Award,
    Contract,
    ContractAttachment,
    Project,
    Provider,
    ProviderMembership,
    add_months,
)
from contracts.validators import is_civil_affairs_social_organisation

PDF_MAGIC = b"%PDF-"
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def _save(instance, *, actor: User, reason: str = ""):
    """Validate and save one record, naming the actor in its history."""
    _check_unique(instance)
    return record_save(instance, actor=actor, reason=reason)


NUMBER_TAKEN = gettext_lazy("本单位已有编号为 %(value)s 的合同：%(name)s。")


def number_taken(number: str, other: Contract) -> str:
    """The refusal of a contract number the bureau has already used (``other``'s)."""
    return NUMBER_TAKEN % {"value": number, "name": other}


def _check_unique(instance) -> None:
    """Report a duplicate credit code, project name or contract number beside its field."""
    if isinstance(instance, Provider):
        clash = Provider.objects.filter(
            bureau_id=instance.bureau_id, credit_code=instance.credit_code
        )
        field, message = (
            "credit_code",
            _("本单位已登记统一社会信用代码为 %(value)s 的服务机构：%(name)s。"),
        )
        value = instance.credit_code
    elif isinstance(instance, Project):
        clash = Project.objects.filter(bureau_id=instance.bureau_id, name=instance.name)
        field, message = "name", _("本单位已有同名服务项目。")
        value = instance.name
    elif isinstance(instance, Contract):
        clash = Contract.objects.filter(bureau_id=instance.bureau_id, number=instance.number)
        field, message = "number", NUMBER_TAKEN
        value = instance.number
    else:
        return
    other = clash.exclude(pk=instance.pk).first()
    if other is not None:
        raise ValidationError({field: message % {"value": value, "name": other}})


def _apply(instance, data: dict):
    for name, value in data.items():
        setattr(instance, name, value)
    return instance


# --- providers --------------------------------------------------------------------------


@transaction.atomic
def provider_create(*, actor: User, bureau: Bureau, **data) -> Provider:
    data["credit_code"] = data.get("credit_code", "").strip().upper()
    return _save(Provider(bureau=bureau, **data), actor=actor)


@transaction.atomic
def provider_update(*, actor: User, provider: Provider, **data) -> Provider:
    if "credit_code" in data:
        data["credit_code"] = data["credit_code"].strip().upper()
    return _save(_apply(provider, data), actor=actor)


def provider_warnings(provider: Provider) -> list[str]:
    if not is_civil_affairs_social_organisation(provider.credit_code):
        return [
            _(
                "该统一社会信用代码不以 52 开头，不是民政部门登记的社会服务机构，"
                "请确认其具备承接社工服务的资质。"
            )
        ]
    return []


# --- projects and goals -------------------------------------------------------------------


@transaction.atomic
def project_create(*, actor: User, bureau: Bureau, **data) -> Project:
    _check_owner(data.get("owner"), bureau)
    return _save(Project(bureau=bureau, **data), actor=actor)


@transaction.atomic
def project_update(*, actor: User, project: Project, **data) -> Project:
    _check_owner(data.get("owner"), project.bureau)
    return _save(_apply(project, data), actor=actor)


@transaction.atomic
def annual_goal_set(*, actor: User, project: Project, year: int, goals: str) -> AnnualGoal:
    """Create or replace a project's goals for a year."""
    goal = AnnualGoal.objects.filter(project=project, year=year).first() or AnnualGoal(
        project=project, year=year
    )
    goal.goals = goals
    return _save(goal, actor=actor)


def _check_owner(owner: User | None, bureau: Bureau) -> None:
    if owner is not None and owner.bureau_id != bureau.pk:
        raise ValidationError({"owner": _("负责人必须是本单位的用户。")})


# --- awards -------------------------------------------------------------------------------


@transaction.atomic
def award_create(*, actor: User, project: Project, provider: Provider, **data) -> Award:
    award = Award(project=project, provider=provider, **data)
    _check_award(award)
    return _save(award, actor=actor)


@transaction.atomic
def award_update(*, actor: User, award: Award, **data) -> Award:
    has_contracts = award.contracts.exists()
    for name in ("project", "provider"):
        if name in data and getattr(award, f"{name}_id") != data[name].pk and has_contracts:
            raise ValidationError(
                {
                    name: _(
                        "该中标下已签合同，不能更换项目或中标机构；如有错误请终止合同后重新登记。"
                    )
                }
            )
    _apply(award, data)
    _check_award(award)
    outside = [
        c.number
        for c in award.contracts.all()
        if c.start < award.term_start or c.end > award.term_end
    ]
    if outside:
        raise ValidationError(
            {
                "term_months": _("修改后的中标期不能覆盖已签合同：%(numbers)s。")
                % {"numbers": "、".join(outside)}
            }
        )
    return _save(award, actor=actor)


def _check_award(award: Award) -> None:
    if award.provider.bureau_id != award.project.bureau_id:
        raise ValidationError({"provider": _("服务机构与项目必须属于同一购买单位。")})
    if (
        award.term_start
        and award.award_date
        and award.term_start < award.award_date - datetime.timedelta(days=366)
    ):
        raise ValidationError({"term_start": _("中标期起不应早于中标日期一年以上，请核对。")})


# --- contracts ----------------------------------------------------------------------------


@transaction.atomic
def contract_create(*, actor: User, award: Award, **data) -> Contract:
    contract = Contract(award=award, bureau_id=award.project.bureau_id, **data)
    _check_contract_owner(contract.owner, previous_owner_id=None)
    contract_validate(contract)
    return _save(contract, actor=actor)


@transaction.atomic
def contract_update(*, actor: User, contract: Contract, **data) -> Contract:
    data.pop("bureau", None)
    award = data.pop("award", None)
    if award is not None and award.pk != contract.award_id:
        # Installments, payments and evaluations hang on the contract's project and bureau.
        raise ValidationError(
            {"award": _("合同签订后不能更换中标；如有错误请终止合同后重新登记。")}
        )
    previous_owner_id = contract.owner_id
    _apply(contract, data)
    contract.bureau_id = contract.award.project.bureau_id
    _check_contract_owner(contract.owner, previous_owner_id=previous_owner_id)
    contract_validate(contract)
    return _save(contract, actor=actor)


def _check_contract_owner(owner: User | None, *, previous_owner_id: int | None) -> None:
    """A new owner must hold the staff role; one who has lost it since may stay."""
    if owner is None or owner.pk == previous_owner_id:
        return
    if not owner.groups.filter(name=Role.STAFF).exists():
        raise ValidationError({"owner": _("经办人必须是业务科室的用户。")})


def contract_validate(contract: Contract) -> None:
    """The rules a contract must satisfy; raises ``ValidationError`` by field."""
    errors = {}
    award = contract.award
    if contract.start and contract.end:
        if contract.start >= contract.end:
            errors["end"] = _("服务期止必须晚于服务期起。")
        else:
            if contract.start < award.term_start or contract.end > award.term_end:
                errors["start"] = _(
                    "服务期 %(start)s 至 %(end)s 超出中标期 %(term_start)s 至 %(term_end)s。"
                ) % {
                    "start": contract.start,
                    "end": contract.end,
                    "term_start": award.term_start,
                    "term_end": award.term_end,
                }
            if _longer_than_years(contract, 3) and not contract.continuing_service:
                errors["end"] = _(
                    "合同期超过 3 年。政府采购服务合同期一般不超过 1 年，持续性服务不超过 3 年"
                    "（财政部令第102号第二十四条）；确属持续性服务请勾选“持续性服务”。"
                )
    if contract.amount is not None and contract.amount <= Decimal("0"):
        errors["amount"] = _("合同金额必须大于 0。")
    if contract.owner_id and contract.owner.bureau_id != award.project.bureau_id:
        errors["owner"] = _("经办人必须是本单位的用户。")
    if contract.terminated_on and not (contract.start <= contract.terminated_on <= contract.end):
        errors["terminated_on"] = _("终止日期必须在服务期内。")
    if errors:
        raise ValidationError(errors)


def _longer_than_years(contract: Contract, years: int) -> bool:
    return contract.end > add_months(contract.start, 12 * years) - datetime.timedelta(days=1)


def contract_warnings(contract: Contract) -> list[str]:
    """Advice that does not block a save."""
    warnings = []
    if _longer_than_years(contract, 3):
        warnings.append(
            _("持续性服务的合同期一般不超过 3 年（财政部令第102号第二十四条），请确认。")
        )
    elif _longer_than_years(contract, 1) and not contract.continuing_service:
        warnings.append(
            _(
                "合同期超过 1 年。政府购买服务合同期一般不超过 1 年（财政部令第102号第二十四条），请确认。"
            )
        )
    days = (contract.end - contract.start).days + 1
    pro_rata = contract.award.annual_amount * Decimal(days) / Decimal(365)
    if contract.amount > pro_rata * Decimal("1.01"):
        warnings.append(
            _("合同金额高于按中标年金额折算的服务期金额（约 %(expected)s 元），请核对。")
            % {"expected": f"{pro_rata:,.2f}"}
        )
    return warnings


@transaction.atomic
def contract_terminate(
    *, actor: User, contract: Contract, terminated_on: datetime.date, reason: str
) -> Contract:
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("award", "owner")
        .get(pk=contract.pk)
    )
    if contract.terminated_on is not None:
        raise ValidationError(_("该合同已于 %(date)s 终止。") % {"date": contract.terminated_on})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写终止原因。")})
    if not (contract.start <= terminated_on <= contract.end):
        raise ValidationError({"terminated_on": _("终止日期必须在服务期内。")})
    contract.terminated_on = terminated_on
    contract.termination_reason = reason.strip()
    contract_validate(contract)
    return _save(contract, actor=actor, reason=_("合同终止"))


@transaction.atomic
def attachment_add(*, actor: User, contract: Contract, title: str, file) -> ContractAttachment:
    head = file.read(len(PDF_MAGIC))
    file.seek(0)
    if head != PDF_MAGIC:
        raise ValidationError({"file": _("只能上传 PDF 文件。")})
    if file.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": _("文件不能超过 20 MB。")})
    attachment = ContractAttachment(contract=contract, title=title, file=file, uploaded_by=actor)
    return _save(attachment, actor=actor)


# --- the providers' people (服务机构账户) ------------------------------------------------------


def _invitation_email(membership: ProviderMembership, *, new_password: bool):
    """The invitation: a one-time, expiring link to set a password, or (for an account
    that has one) the news that another bureau's contracts are now in its portal."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.urls import reverse

    from accounts.tokens import invitation_path

    user, provider = membership.user, membership.provider
    site = settings.SITE_URL.rstrip("/")
    bureau = provider.bureau.name
    if new_password:
        days = settings.INVITATION_TIMEOUT // 86400
        action = _("请在 %(days)s 天内打开以下链接设置登录密码（链接只能使用一次）：\n%(link)s") % {
            "days": days,
            "link": site + invitation_path(user),
        }
    else:
        action = _("请用原有账户登录查看：\n%(link)s") % {"link": site + reverse("portal:home")}
    body = "\n".join(
        [
            _("%(name)s：") % {"name": user.full_name or user.email},
            "",
            _(
                "%(bureau)s邀请您使用社工服务项目管理平台的服务机构门户，以%(provider)s的身份"
                "查看合同、提交付款资料、服务报告和整改情况。用户名：%(username)s。"
            )
            % {"bureau": bureau, "provider": provider.name, "username": user.username},
            action,
            "",
            bureau,
        ]
    )
    return EmailMessage(
        subject=_("【%(bureau)s】服务机构门户邀请") % {"bureau": bureau},
        body=body + "\n",
        to=[user.email],
    )


@transaction.atomic
def provider_user_invite(
    *, actor: User, provider: Provider, email: str, full_name: str = ""
) -> ProviderMembership:
    """Invite a provider's person to the portal for this bureau's provider record.

    A new account (no bureau, the provider role only, no usable password) gets an e-mail
    with a one-time link to set its password. An existing provider account of the same
    organisation (same credit code) is linked to this record too, so an NGO serving two
    bureaus keeps one login; an address already used by a bureau's person is refused.
    """
    from accounts.services import role_grant_by_invitation

    if not actor.has_perm("contracts.add_providermembership"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("您没有执行此操作的权限。"))
    email = email.strip().lower()
    if not email:
        raise ValidationError({"email": _("请填写邮箱。")})
    user = (
        User.objects.filter(email__iexact=email).first()
        or User.objects.filter(username__iexact=email).first()
    )
    new_password = True
    if user is None:
        user = User(username=email, email=email, full_name=full_name.strip(), bureau=None)
        user.set_unusable_password()
        user.full_clean()
        user.save()
        role_grant_by_invitation(actor=actor, user=user)
    else:
        codes = set(user.provider_memberships.values_list("provider__credit_code", flat=True))
        if user.bureau_id is not None or not user.has_role(Role.PROVIDER):
            raise ValidationError({"email": _("该邮箱已被其他账户使用，不能作为服务机构账户。")})
        if codes and codes != {provider.credit_code}:
            raise ValidationError({"email": _("该邮箱已是另一服务机构的账户。")})
        new_password = not user.has_usable_password()
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
    membership = ProviderMembership.objects.filter(user=user, provider=provider).first()
    if membership is None:
        membership = ProviderMembership(user=user, provider=provider, invited_by=actor)
    membership.is_active = True
    membership.deactivated_at = None
    membership.invited_by = actor
    membership.invited_at = timezone.now()
    _save(membership, actor=actor, reason=_("邀请服务机构账户"))
    message = _invitation_email(membership, new_password=new_password)
    transaction.on_commit(message.send)
    return membership


@transaction.atomic
def provider_user_deactivate(*, actor: User, membership: ProviderMembership) -> ProviderMembership:
    """Take a provider's person off this bureau's provider record; an account left with
    no active membership can no longer sign in."""
    if not actor.has_perm("contracts.change_providermembership"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("您没有执行此操作的权限。"))
    membership = ProviderMembership.objects.select_for_update().get(pk=membership.pk)
    membership.is_active = False
    membership.deactivated_at = timezone.now()
    _save(membership, actor=actor, reason=_("停用服务机构账户"))
    user = membership.user
    if not user.provider_memberships.filter(is_active=True).exists() and user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return membership
