"""Writes of the accounts app: sessions, role grants (four eyes), passwords, second factor."""

from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import RoleGrant, User
from accounts.roles import (
    ADMIN_SITE_ROLES,
    INCOMPATIBLE_ROLES,
    PLATFORM_ROLES,
    PROVIDER_ROLES,
    Role,
)

Kind = audit.Kind


def sessions_clear_expired() -> int:
    """Delete sessions past their expiry; return how many went."""
    deleted, _per_model = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


# --- role grants ---------------------------------------------------------------------------


def manages_accounts_of(actor: User, user: User) -> bool:
    """Whether ``actor`` administers ``user``'s account: the platform administrator any
    account but a superuser; a security administrator the accounts of its own bureau,
    except the platform's administrators."""
    if not actor.is_active:
        return False
    if user.is_superuser:
        return actor.is_superuser
    if actor.is_superuser or actor.has_role(Role.ADMIN):
        return True
    return (
        actor.has_role(Role.SECURITY)
        and actor.bureau_id is not None
        and user.bureau_id == actor.bureau_id
        and not user.has_role(Role.ADMIN)
    )


def grantable_roles(actor: User) -> list[str]:
    """The roles ``actor`` may ask for: a security administrator never the platform's."""
    if actor.is_superuser or actor.has_role(Role.ADMIN):
        return [str(r) for r in Role]
    if actor.has_role(Role.SECURITY):
        return [str(r) for r in Role if r not in PLATFORM_ROLES | PROVIDER_ROLES]
    return []


def role_grant_check(*, actor: User, user: User, role: str, action: str) -> None:
    """Refuse a request the actor may not make: for themselves, for an account or a role
    outside their charge, or for a combination of roles the duties apart forbid."""
    if user.pk == actor.pk:
        raise ValidationError(_("不能为自己申请角色变更；请由另一位管理员办理。"))
    if not manages_accounts_of(actor, user) or role not in grantable_roles(actor):
        raise ValidationError(_("您不能为该用户办理这一角色。"))
    _check_combination(user=user, role=role, action=action)


def _check_combination(*, user: User, role: str, action: str) -> None:
    held = set(user.groups.values_list("name", flat=True))
    if action == RoleGrant.Action.REVOKE:
        if role not in held:
            raise ValidationError(_("该用户没有这一角色，无需撤销。"))
        return
    if role in held:
        raise ValidationError(_("该用户已有这一角色。"))
    label = Role(role).label
    if clash := sorted(INCOMPATIBLE_ROLES[role] & held):
        raise ValidationError(
            _("三权分立：%(role)s 不能与该用户已有的 %(held)s 角色兼任。")
            % {"role": label, "held": "、".join(str(Role(r).label) for r in clash)}
        )
    if role in PLATFORM_ROLES and user.bureau_id is not None:
        raise ValidationError(_("系统管理员角色只授予不属于任何单位的平台账户。"))
    if role in PROVIDER_ROLES and user.bureau_id is not None:
        raise ValidationError(_("服务机构角色只授予不属于任何单位的服务机构账户。"))
    # The audit administrator may be the platform's (no bureau: every bureau's log).
    if role not in PLATFORM_ROLES | PROVIDER_ROLES | {Role.AUDIT_ADMIN} and user.bureau_id is None:
        raise ValidationError(_("该角色只授予属于某个单位的账户。"))


@transaction.atomic
def role_grant_request(
    *, actor: User, user: User, role: str, action: str = RoleGrant.Action.GRANT, reason=""
) -> RoleGrant:
    """Ask for a role to be granted or revoked; nothing changes until another
    administrator confirms (:func:`role_grant_confirm`)."""
    role_grant_check(actor=actor, user=user, role=role, action=action)
    if RoleGrant.objects.filter(user=user, role=role, status=RoleGrant.Status.PENDING).exists():
        raise ValidationError(_("该用户的这一角色已有待确认的申请。"))
    grant = RoleGrant(user=user, role=role, action=action, reason=reason, requested_by=actor)
    grant.full_clean()
    grant.save()
    audit.record(Kind.ROLE_REQUESTED, user=actor, detail=_describe(grant), bureau=user.bureau)
    return grant


def _describe(grant: RoleGrant) -> str:
    return f"{grant.get_action_display()} {grant.user.get_username()} {grant.get_role_display()}"


def _locked_pending(grant: RoleGrant) -> RoleGrant:
    grant = RoleGrant.objects.select_for_update().select_related("user").get(pk=grant.pk)
    if grant.status != RoleGrant.Status.PENDING:
        raise ValidationError(_("该申请已处理。"))
    return grant


def _check_decider(*, actor: User, grant: RoleGrant) -> None:
    if actor.pk in (grant.user_id, grant.requested_by_id):
        raise ValidationError(_("角色授权须由申请人和本人以外的另一位管理员确认。"))
    if not actor.has_perm("accounts.confirm_rolegrant") or not manages_accounts_of(
        actor, grant.user
    ):
        raise ValidationError(_("您不能确认该用户的角色申请。"))


def _decide(grant: RoleGrant, *, actor: User, status: str, kind: str) -> RoleGrant:
    """Close a pending grant as confirmed or rejected, by ``actor``, in the security log."""
    grant.status = status
    grant.decided_by, grant.decided_at = actor, timezone.now()
    grant.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(kind, user=actor, detail=_describe(grant), bureau=grant.user.bureau)
    return grant


@transaction.atomic
def role_grant_confirm(*, actor: User, grant: RoleGrant) -> RoleGrant:
    """A second administrator confirms a pending grant: the role changes now."""
    grant = _locked_pending(grant)
    _check_decider(actor=actor, grant=grant)
    _check_combination(user=grant.user, role=grant.role, action=grant.action)
    _apply(grant)
    return _decide(grant, actor=actor, status=RoleGrant.Status.CONFIRMED, kind=Kind.ROLE_CONFIRMED)


@transaction.atomic
def role_grant_reject(*, actor: User, grant: RoleGrant) -> RoleGrant:
    grant = _locked_pending(grant)
    _check_decider(actor=actor, grant=grant)
    return _decide(grant, actor=actor, status=RoleGrant.Status.REJECTED, kind=Kind.ROLE_REJECTED)


@transaction.atomic
def role_grant_install(*, user: User, role: str, reason: str) -> RoleGrant:
    """Installation only (``manage.py grant_role``, ``load_demo``): a role given from the
    command line, by whoever runs the machine, kept in the history like any other."""
    _check_combination(user=user, role=role, action=RoleGrant.Action.GRANT)
    grant = RoleGrant(user=user, role=role, reason=reason)
    grant.full_clean()
    grant.status = RoleGrant.Status.CONFIRMED
    grant.decided_at = grant.requested_at
    grant.save()
    _apply(grant)
    audit.record(Kind.ROLE_CONFIRMED, user=user, detail=f"{_describe(grant)}（{reason}）")
    return grant


@transaction.atomic
def role_grant_by_invitation(*, actor: User, user: User) -> RoleGrant:
    """The provider role, given with a bureau's invitation of a provider's person
    (contracts.services.provider_user_invite): kept in the role-grant history with the
    inviting staff member as the one who asked."""
    _check_combination(user=user, role=Role.PROVIDER, action=RoleGrant.Action.GRANT)
    grant = RoleGrant(
        user=user, role=Role.PROVIDER, reason=_("服务机构账户邀请"), requested_by=actor
    )
    grant.full_clean()
    grant.status = RoleGrant.Status.CONFIRMED
    grant.decided_at = grant.requested_at
    grant.save()
    _apply(grant)
    audit.record(Kind.ROLE_CONFIRMED, user=actor, detail=_describe(grant), bureau=actor.bureau)
    return grant


def _apply(grant: RoleGrant) -> None:
    user = grant.user
    group = Group.objects.get(name=grant.role)
    if grant.action == RoleGrant.Action.GRANT:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    # The admin site is for the administrators who work in it; the flag follows the roles.
    is_staff = user.is_superuser or user.groups.filter(name__in=ADMIN_SITE_ROLES).exists()
    if is_staff != user.is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


# --- passwords -------------------------------------------------------------------------------


def password_changed(*, user: User, request=None, reset: bool = False) -> None:
    """The user chose a new password themselves: the first-login obligation is met."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    audit.record(
        Kind.PASSWORD_RESET if reset else Kind.PASSWORD_CHANGED, request=request, user=user
    )


def password_set_by_administrator(*, user: User) -> None:
    """An administrator created the account or set its password: the owner changes it at
    first login."""
    if not user.must_change_password:
        user.must_change_password = True
        user.save(update_fields=["must_change_password"])


# --- second factor (TOTP) --------------------------------------------------------------------


def otp_required(user: User) -> bool:
    """Whether the user logs in with a TOTP code: finance, managers and administrators of
    a bureau that turned the second factor on."""
    from accounts.roles import OTP_ROLES

    bureau = user.bureau
    return bool(bureau is not None and bureau.require_otp and user.has_role(*OTP_ROLES))


def otp_device(user: User):
    """The user's confirmed TOTP device, or None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def otp_enrolment_device(user: User):
    """The unconfirmed device an enrolment shows as a QR code (made once, then reused)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=_("手机验证器"), confirmed=False)


@transaction.atomic
def otp_enrolment_confirm(*, user: User, device, token: str, request=None) -> bool:
    """The first code from the new device proves the user holds it: the device counts."""
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(Kind.OTP_ENROLLED, request=request, user=user)
    return True
