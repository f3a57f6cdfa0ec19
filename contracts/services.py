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
from django.utils.translation import gettext as _

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
    add_months,
)
from contracts.validators import is_civil_affairs_social_organisation

PDF_MAGIC = b"%PDF-"
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def _save(instance, *, actor: User, reason: str = ""):
    """Validate and save one record, naming the actor in its history."""
    _check_unique(instance)
    return record_save(instance, actor=actor, reason=reason)


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
        field, message = "number", _("本单位已有编号为 %(value)s 的合同：%(name)s。")
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
