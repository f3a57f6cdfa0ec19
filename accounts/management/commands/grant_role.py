"""``grant_role USERNAME ROLE``: installation only, the first administrators' roles.

Every later role change is asked for in the admin and confirmed by a second
administrator; an installation has no second administrator yet, so whoever runs the
machine gives the first ones here. The grant is kept in the role history like any other.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import User
from accounts.roles import Role


class Command(BaseCommand):
    help = "安装时为账户授予角色（如第一位系统管理员、安全管理员）；记入角色变更历史。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("--reason", default="安装时由命令行授予")

    def handle(self, *args, username, role, reason, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"没有用户 {username}。") from exc
        try:
            services.role_grant_install(user=user, role=role, reason=reason)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"已授予 {username}：{Role(role).label}"))
