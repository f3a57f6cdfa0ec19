"""accounts 0001-0011 in one migration, for a fresh database: every model as its last
migration left it (columns in the same order, constraints and indexes in CREATE TABLE, so
SQLite builds each table once instead of rebuilding it per change), then the data steps
of the old migrations in their order.

On a database where 0001-0011 ran, Django records this one as applied and runs nothing;
a new migration of the app may keep depending on 0011 (``replaces`` maps it here). The
data steps that fix up existing rows (0006, 0009) find none on a fresh database and are
kept only so that this migration does all that the eleven did.
"""

import accounts.models
import django.contrib.auth.validators
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


# 0002: the five roles as groups, with the permissions known so far.
def install_roles(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


# 0006: Celery beat schedules are for superusers only (editing one is as powerful as
# running code).
def revoke_beat(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    beat = Permission.objects.filter(content_type__app_label="django_celery_beat")
    for group in Group.objects.filter(name="admin"):
        group.permissions.remove(*beat)


# 0008: the security audit log is append-only: UPDATE refused always, DELETE refused for
# entries younger than 180 days (accounts/audit.py purges only older ones).
SECURITY_LOG_MESSAGE = "the security audit log is append-only"
SECURITY_LOG_TABLE = "accounts_securityevent"

SECURITY_LOG_POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION accounts_securityevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.created_at < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '{SECURITY_LOG_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_securityevent_no_update BEFORE UPDATE ON {SECURITY_LOG_TABLE}
    FOR EACH ROW EXECUTE FUNCTION accounts_securityevent_append_only();
CREATE TRIGGER accounts_securityevent_no_delete BEFORE DELETE ON {SECURITY_LOG_TABLE}
    FOR EACH ROW EXECUTE FUNCTION accounts_securityevent_append_only();
"""
SECURITY_LOG_POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS accounts_securityevent_no_update ON {SECURITY_LOG_TABLE};
DROP TRIGGER IF EXISTS accounts_securityevent_no_delete ON {SECURITY_LOG_TABLE};
DROP FUNCTION IF EXISTS accounts_securityevent_append_only();
"""
# Django keeps SQLite datetimes as UTC text ("2026-12-03 17:37:25.123456"), which
# compares as text with datetime('now', ...).
SECURITY_LOG_SQLITE_FORWARD = [
    f"""
CREATE TRIGGER accounts_securityevent_no_update BEFORE UPDATE ON {SECURITY_LOG_TABLE}
BEGIN
    SELECT RAISE(ABORT, '{SECURITY_LOG_MESSAGE}');
END;
""",
    f"""
CREATE TRIGGER accounts_securityevent_no_delete BEFORE DELETE ON {SECURITY_LOG_TABLE}
WHEN OLD.created_at >= datetime('now', '-180 days')
BEGIN
    SELECT RAISE(ABORT, '{SECURITY_LOG_MESSAGE}');
END;
""",
]
SECURITY_LOG_SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_securityevent_no_update;",
    "DROP TRIGGER IF EXISTS accounts_securityevent_no_delete;",
]


def security_log_append_only(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(SECURITY_LOG_POSTGRES_FORWARD)
    elif vendor == "sqlite":
        for statement in SECURITY_LOG_SQLITE_FORWARD:
            schema_editor.execute(statement)


def security_log_changeable(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(SECURITY_LOG_POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        for statement in SECURITY_LOG_SQLITE_BACKWARD:
            schema_editor.execute(statement)


# 0009: existing accounts take their places under the duties apart (三权分立).
DUTIES_REASON = "升级：三权分立"
DUTIES_BUSINESS = ["staff", "finance", "manager", "auditor"]


def duties_apart(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Group = apps.get_model("auth", "Group")
    RoleGrant = apps.get_model("accounts", "RoleGrant")
    now = timezone.now()
    security, _created = Group.objects.get_or_create(name="security")

    def history(user, role, action):
        RoleGrant.objects.create(
            user=user,
            role=role,
            action=action,
            status="confirmed",
            reason=DUTIES_REASON,
            requested_at=now,
            decided_at=now,
        )

    for user in User.objects.filter(bureau__isnull=False, groups__name="admin").distinct():
        in_business = user.groups.filter(name__in=DUTIES_BUSINESS).exists()
        if user.is_superuser and not in_business:
            user.is_superuser = False
            user.bureau = None
            user.save(update_fields=["is_superuser", "bureau"])
        elif user.is_superuser:  # does the bureau's business: keeps it, and only it
            user.groups.remove(*Group.objects.filter(name="admin"))
            history(user, "admin", "revoke")
        else:
            user.groups.remove(*Group.objects.filter(name__in=["admin", *DUTIES_BUSINESS]))
            user.groups.add(security)
            history(user, "admin", "revoke")
            history(user, "security", "grant")
    User.objects.filter(bureau__isnull=False, is_superuser=True).update(is_superuser=False)


# 0011: PostgreSQL session defaults for the app's role in its database: jit off, timezone
# UTC (see that migration for why).
SESSION_DEFAULTS_SQL = """
DO $$ BEGIN
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET jit = off',
                   current_user, current_database());
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET timezone = %L',
                   current_user, current_database(), 'UTC');
END $$;
"""

SESSION_DEFAULTS_REVERSE_SQL = """
DO $$ BEGIN
    EXECUTE format('ALTER ROLE %I IN DATABASE %I RESET jit', current_user, current_database());
    EXECUTE format('ALTER ROLE %I IN DATABASE %I RESET timezone',
                   current_user, current_database());
END $$;
"""


def session_defaults(apps, schema_editor, sql=SESSION_DEFAULTS_SQL):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(sql, params=None)  # no %-interpolation: format() uses %I


def reset_session_defaults(apps, schema_editor):
    session_defaults(apps, schema_editor, sql=SESSION_DEFAULTS_REVERSE_SQL)


# One RunPython for the five steps: each RunPython after a CreateModel renders every model
# of the project again.
def data_steps(apps, schema_editor):
    install_roles(apps, schema_editor)  # 0002
    revoke_beat(apps, schema_editor)  # 0006
    security_log_append_only(apps, schema_editor)  # 0008
    duties_apart(apps, schema_editor)  # 0009
    session_defaults(apps, schema_editor)  # 0011


def data_steps_backward(apps, schema_editor):
    reset_session_defaults(apps, schema_editor)  # 0011
    security_log_changeable(apps, schema_editor)  # 0008


class Migration(migrations.Migration):

    replaces = [('accounts', '0001_initial'), ('accounts', '0002_roles'), ('accounts', '0003_alter_bureau_options'), ('accounts', '0004_alter_user_managers'), ('accounts', '0005_remove_bureau_webhook_url_and_more'), ('accounts', '0006_admin_role_without_beat'), ('accounts', '0007_security_duties_audit_log'), ('accounts', '0008_security_log_append_only'), ('accounts', '0009_duties_apart_existing_accounts'), ('accounts', '0010_superuser_without_bureau'), ('accounts', '0011_postgresql_session_defaults')]

    initial = True

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='Bureau',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, unique=True, verbose_name='单位名称')),
                ('division_code', models.CharField(help_text='6 位国家行政区划代码：省 XX0000，市 XXXX00，区县 XXXXXX。', max_length=6, validators=[django.core.validators.RegexValidator('^\\d{6}$', '行政区划代码为 6 位数字，例如盐田区 440308。')], verbose_name='行政区划代码')),
                ('is_city_wide', models.BooleanField(default=False, help_text='选中后，本单位用户可查看辖区内所有单位的记录。', verbose_name='市级（跨单位）')),
                ('require_otp', models.BooleanField(db_default=False, default=False, help_text='选中后，本单位的财务、分管领导和管理员登录时除密码外还须输入手机验证器（TOTP）生成的 6 位动态口令。', verbose_name='登录须动态口令')),
            ],
            options={
                'verbose_name': '单位',
                'verbose_name_plural': '单位',
                'ordering': ['division_code', 'name'],
                'indexes': [models.Index(fields=['division_code'], name='bureau_division_idx')],
                'permissions': [('view_history', '可查看变更历史')],
            },
        ),
        migrations.CreateModel(
            name='User',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('password', models.CharField(max_length=128, verbose_name='password')),
                ('last_login', models.DateTimeField(blank=True, null=True, verbose_name='last login')),
                ('is_superuser', models.BooleanField(default=False, help_text='Designates that this user has all permissions without explicitly assigning them.', verbose_name='superuser status')),
                ('username', models.CharField(error_messages={'unique': 'A user with that username already exists.'}, help_text='Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.', max_length=150, unique=True, validators=[django.contrib.auth.validators.UnicodeUsernameValidator()], verbose_name='username')),
                ('first_name', models.CharField(blank=True, max_length=150, verbose_name='first name')),
                ('last_name', models.CharField(blank=True, max_length=150, verbose_name='last name')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email address')),
                ('is_staff', models.BooleanField(default=False, help_text='Designates whether the user can log into this admin site.', verbose_name='staff status')),
                ('is_active', models.BooleanField(default=True, help_text='Designates whether this user should be treated as active. Unselect this instead of deleting accounts.', verbose_name='active')),
                ('date_joined', models.DateTimeField(default=django.utils.timezone.now, verbose_name='date joined')),
                ('full_name', models.CharField(blank=True, max_length=50, verbose_name='姓名')),
                ('phone', models.CharField(blank=True, max_length=30, verbose_name='联系电话')),
                ('groups', models.ManyToManyField(blank=True, help_text='The groups this user belongs to. A user will get all permissions granted to each of their groups.', related_name='user_set', related_query_name='user', to='auth.group', verbose_name='groups')),
                ('user_permissions', models.ManyToManyField(blank=True, help_text='Specific permissions for this user.', related_name='user_set', related_query_name='user', to='auth.permission', verbose_name='user permissions')),
                ('bureau', models.ForeignKey(blank=True, help_text='用户只能查看本单位的记录；超级管理员可以不属于任何单位。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='users', to='accounts.bureau', verbose_name='所属单位')),
                ('must_change_password', models.BooleanField(db_default=False, default=False, help_text='由管理员创建或重设密码的账户，首次登录须先修改密码。', verbose_name='须修改密码')),
            ],
            options={
                'verbose_name': '用户',
                'verbose_name_plural': '用户',
                'constraints': [models.CheckConstraint(condition=models.Q(('is_superuser', False), ('bureau__isnull', True), _connector='OR'), name='user_superuser_without_bureau', violation_error_message='超级管理员仅用于安装，不能属于任何单位。')],
            },
            managers=[
                ('objects', accounts.models.UserManager()),
            ],
        ),
        migrations.CreateModel(
            name='HistoricalBureau',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(db_index=True, max_length=100, verbose_name='单位名称')),
                ('division_code', models.CharField(help_text='6 位国家行政区划代码：省 XX0000，市 XXXX00，区县 XXXXXX。', max_length=6, validators=[django.core.validators.RegexValidator('^\\d{6}$', '行政区划代码为 6 位数字，例如盐田区 440308。')], verbose_name='行政区划代码')),
                ('is_city_wide', models.BooleanField(default=False, help_text='选中后，本单位用户可查看辖区内所有单位的记录。', verbose_name='市级（跨单位）')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('require_otp', models.BooleanField(db_default=False, default=False, help_text='选中后，本单位的财务、分管领导和管理员登录时除密码外还须输入手机验证器（TOTP）生成的 6 位动态口令。', verbose_name='登录须动态口令')),
            ],
            options={
                'verbose_name': 'historical 单位',
                'verbose_name_plural': 'historical 单位',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='SecurityLogAnchor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('through_seq', models.PositiveBigIntegerField(unique=True, verbose_name='清理至序号')),
                ('hash', models.CharField(max_length=64, verbose_name='摘要')),
                ('purged', models.PositiveIntegerField(verbose_name='清理条数')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='清理时间')),
            ],
            options={
                'verbose_name': '审计日志清理记录',
                'verbose_name_plural': '审计日志清理记录',
                'ordering': ['-through_seq'],
            },
        ),
        migrations.CreateModel(
            name='RoleGrant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('staff', '业务科室'), ('finance', '财务'), ('manager', '分管领导'), ('auditor', '审计/评估'), ('admin', '系统管理员'), ('security', '安全管理员'), ('auditadmin', '审计管理员')], max_length=20, verbose_name='角色')),
                ('action', models.CharField(choices=[('grant', '授予'), ('revoke', '撤销')], default='grant', max_length=10, verbose_name='操作')),
                ('status', models.CharField(choices=[('pending', '待确认'), ('confirmed', '已生效'), ('rejected', '已拒绝')], default='pending', editable=False, max_length=10, verbose_name='状态')),
                ('reason', models.CharField(blank=True, max_length=200, verbose_name='事由')),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='申请时间')),
                ('decided_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='确认时间')),
                ('decided_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='确认人')),
                ('requested_by', models.ForeignKey(blank=True, editable=False, help_text='为空：安装时由命令行授予。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='申请人')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='role_grants', to=settings.AUTH_USER_MODEL, verbose_name='用户')),
            ],
            options={
                'verbose_name': '角色授权',
                'verbose_name_plural': '角色授权',
                'ordering': ['-requested_at', '-pk'],
                'permissions': [('confirm_rolegrant', '可确认他人申请的角色授权')],
                'constraints': [models.CheckConstraint(condition=models.Q(('requested_by', models.F('user')), _negated=True), name='rolegrant_not_self_requested', violation_error_message='不能为自己申请角色。'), models.CheckConstraint(condition=models.Q(models.Q(('decided_by', models.F('user')), _negated=True), models.Q(('decided_by', models.F('requested_by')), _negated=True)), name='rolegrant_second_person_decides', violation_error_message='角色授权须由申请人和本人以外的管理员确认。'), models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('user', 'role'), name='rolegrant_one_pending_per_role', violation_error_message='该用户的这一角色已有待确认的申请。')],
            },
        ),
        migrations.CreateModel(
            name='SecurityEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.PositiveBigIntegerField(editable=False, unique=True, verbose_name='序号')),
                ('created_at', models.DateTimeField(editable=False, verbose_name='时间')),
                ('kind', models.CharField(choices=[('login', '登录'), ('login_failed', '登录失败'), ('locked_out', '账户锁定'), ('otp_failed', '动态口令错误'), ('otp_enrolled', '绑定动态口令'), ('logout', '退出登录'), ('session_expired', '会话超时'), ('password_changed', '修改密码'), ('password_reset_requested', '申请重置密码'), ('password_reset', '重置密码'), ('role_requested', '申请角色变更'), ('role_confirmed', '确认角色变更'), ('role_rejected', '拒绝角色变更'), ('export', '导出'), ('download', '下载'), ('admin_change', '后台变更'), ('permission_denied', '越权访问被拒'), ('log_purged', '清理过期审计日志')], max_length=30, verbose_name='事件')),
                ('username', models.CharField(blank=True, max_length=150, verbose_name='用户名')),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址')),
                ('path', models.CharField(blank=True, max_length=300, verbose_name='地址')),
                ('detail', models.CharField(blank=True, max_length=500, verbose_name='内容')),
                ('prev_hash', models.CharField(editable=False, max_length=64, verbose_name='前一条摘要')),
                ('hash', models.CharField(editable=False, max_length=64, verbose_name='摘要')),
                ('bureau', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.bureau', verbose_name='单位')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='用户')),
            ],
            options={
                'verbose_name': '安全审计日志',
                'verbose_name_plural': '安全审计日志',
                'ordering': ['-seq'],
                'indexes': [models.Index(fields=['bureau', '-created_at'], name='securityevent_bureau_idx'), models.Index(fields=['created_at'], name='securityevent_created_idx')],
            },
        ),
        migrations.RunPython(data_steps, data_steps_backward),  # 0002, 0006, 0008, 0009, 0011
    ]
