"""payments 0001-0008 in one migration, for a fresh database: every model as its last
migration left it (columns in the same order, constraints and indexes in CREATE TABLE, so
SQLite builds each table once instead of rebuilding it per change), then the data steps
and triggers of the old migrations in their order. The triggers come after every table is
built: on SQLite, rebuilding a table drops its triggers.

On a database where 0001-0008 ran, Django records this one as applied and runs nothing;
a new migration of the app may keep depending on 0008 (``replaces`` maps it here). The
data steps that fix up existing rows (0007, 0008) find none on a fresh database and are
kept only so that this migration does all that the eight did.
"""

import datetime
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import payments.models
import simple_history.models
import uuid
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


# 0002 and 0006: posted payments are immutable; the database itself refuses to change
# them. UPDATE and DELETE are refused on both backends; the project's ``flush`` command
# (payments/management/commands/flush.py) sets SQLite's DELETE trigger aside while it
# empties the database, as PostgreSQL's TRUNCATE passes over row triggers.
PAYMENT_MESSAGE = "posted payments are immutable; post a reversing payment instead"

PAYMENT_POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION payments_payment_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{PAYMENT_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payments_payment_no_update BEFORE UPDATE ON payments_payment
    FOR EACH ROW EXECUTE FUNCTION payments_payment_immutable();
CREATE TRIGGER payments_payment_no_delete BEFORE DELETE ON payments_payment
    FOR EACH ROW EXECUTE FUNCTION payments_payment_immutable();
"""
PAYMENT_POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS payments_payment_no_update ON payments_payment;
DROP TRIGGER IF EXISTS payments_payment_no_delete ON payments_payment;
DROP FUNCTION IF EXISTS payments_payment_immutable();
"""
PAYMENT_SQLITE_NO_UPDATE = f"""
CREATE TRIGGER payments_payment_no_update BEFORE UPDATE ON payments_payment
BEGIN
    SELECT RAISE(ABORT, '{PAYMENT_MESSAGE}');
END;
"""
PAYMENT_SQLITE_NO_DELETE = f"""
CREATE TRIGGER payments_payment_no_delete BEFORE DELETE ON payments_payment
BEGIN
    SELECT RAISE(ABORT, '{PAYMENT_MESSAGE}');
END;
"""


def payments_immutable(apps, schema_editor):  # 0002
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PAYMENT_POSTGRES_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(PAYMENT_SQLITE_NO_UPDATE)


def payments_mutable(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PAYMENT_POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS payments_payment_no_update;")


def payment_delete_guard(apps, schema_editor):  # 0006
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(PAYMENT_SQLITE_NO_DELETE)


def drop_payment_delete_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS payments_payment_no_delete;")


# 0004: the periodic tasks in django-celery-beat (editable in the admin afterwards).
SCHEDULES = [
    # name, task, minute, hour
    ("提醒扫描（每小时）", "payments.tasks.run_reminders", "5", "*"),
    ("清理过期会话（每天）", "accounts.tasks.clear_expired_sessions", "30", "3"),
]


def install_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour in SCHEDULES:
        crontab, _created = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="Asia/Shanghai",
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab})


def uninstall_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_rest in SCHEDULES]).delete()


# 0007: notices delivered by the old inline delivery count as dispatched; the keys of
# due-soon and late notices gain the due date they were raised for.
def dispatched_and_dated_keys(apps, schema_editor):
    Notice = apps.get_model("payments", "Notice")
    Notice.objects.filter(delivered_at__isnull=False, dispatched_at__isnull=True).update(
        dispatched_at=F("delivered_at")
    )
    notices = Notice.objects.filter(rule__in=["due_soon", "late"]).select_related("installment")
    changed = []
    for notice in notices.iterator(chunk_size=2000):
        parts = notice.key.split(":")
        if len(parts) != 3 or notice.installment is None:
            continue  # already dated
        due = (notice.data or {}).get("due_date") or notice.installment.due_date.isoformat()
        notice.key = f"{parts[0]}:{parts[1]}:{due}:{parts[2]}"
        changed.append(notice)
    Notice.objects.bulk_update(changed, ["key"], batch_size=500)


def undated_keys(apps, schema_editor):
    Notice = apps.get_model("payments", "Notice")
    changed = []
    for notice in Notice.objects.filter(rule__in=["due_soon", "late"]).iterator(chunk_size=2000):
        parts = notice.key.split(":")
        if len(parts) == 4:
            notice.key = f"{parts[0]}:{parts[1]}:{parts[3]}"
            changed.append(notice)
    # Two periods of one installment would share an undated key: keep the newest.
    seen = set()
    for notice in sorted(changed, key=lambda n: n.created_at, reverse=True):
        if notice.key in seen:
            notice.key = f"{notice.key}:{notice.pk}"
        seen.add(notice.key)
    Notice.objects.bulk_update(changed, ["key"], batch_size=500)


# 0008: a settings row saved with its levels out of order gets its urgent threshold one
# day after the manager's (before the constraint that now forbids it).
def repair_escalation_order(apps, schema_editor):
    ReminderSettings = apps.get_model("payments", "ReminderSettings")
    ReminderSettings.objects.filter(escalate_level3_days__lte=F("escalate_level2_days")).update(
        escalate_level3_days=F("escalate_level2_days") + 1
    )


# One RunPython for the five steps: each RunPython after a CreateModel renders every model
# of the project again.
def data_steps(apps, schema_editor):
    payments_immutable(apps, schema_editor)  # 0002
    install_schedules(apps, schema_editor)  # 0004
    payment_delete_guard(apps, schema_editor)  # 0006
    dispatched_and_dated_keys(apps, schema_editor)  # 0007
    repair_escalation_order(apps, schema_editor)  # 0008


def data_steps_backward(apps, schema_editor):
    undated_keys(apps, schema_editor)  # 0007
    drop_payment_delete_guard(apps, schema_editor)  # 0006
    uninstall_schedules(apps, schema_editor)  # 0004
    payments_mutable(apps, schema_editor)  # 0002


class Migration(migrations.Migration):

    replaces = [('payments', '0001_initial'), ('payments', '0002_immutable_payments'), ('payments', '0003_reminders'), ('payments', '0004_reminder_schedules'), ('payments', '0005_constraint_messages'), ('payments', '0006_payment_delete_guard'), ('payments', '0007_notice_dispatch_and_dated_keys'), ('payments', '0008_reminder_escalation_order')]

    initial = True

    dependencies = [
        ('accounts', '0006_admin_role_without_beat'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contracts', '0002_constraint_messages'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
    ]

    operations = [
        migrations.CreateModel(
            name='Audit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('audit', '专项审计'), ('assessment', '质量评估')], max_length=12, verbose_name='类型')),
                ('firm', models.CharField(help_text='会计师事务所或评估机构。', max_length=100, verbose_name='实施机构')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='所属年度')),
                ('started_on', models.DateField(verbose_name='开始日期')),
                ('closed_on', models.DateField(blank=True, help_text='出具报告即视为关闭；关闭前，以其为前置条件的分期款不能审批。', null=True, verbose_name='报告日期')),
                ('report_number', models.CharField(blank=True, max_length=60, verbose_name='报告编号')),
                ('findings', models.TextField(blank=True, verbose_name='主要结论')),
                ('score', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('100'))], verbose_name='评估得分')),
                ('grade', models.CharField(blank=True, help_text='例如 优秀、良好、合格、不合格。', max_length=20, verbose_name='评估等级')),
                ('satisfaction', models.CharField(blank=True, max_length=60, verbose_name='满意度')),
                ('bureau', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='audits', to='accounts.bureau', verbose_name='购买单位')),
                ('project', models.ForeignKey(blank=True, help_text='涉及多个项目时可留空。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audits', to='contracts.project', verbose_name='服务项目')),
            ],
            options={
                'verbose_name': '审计/评估',
                'verbose_name_plural': '审计/评估',
                'ordering': ['-started_on'],
                'constraints': [models.CheckConstraint(condition=models.Q(('closed_on__isnull', True), ('closed_on__gte', models.F('started_on')), _connector='OR'), name='audit_closed_after_start', violation_error_message='报告日期不能早于开始日期。')],
            },
        ),
        migrations.CreateModel(
            name='Budget',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='预算年度')),
                ('initial_amount', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='年初预算（元）')),
                ('issued_amount', models.DecimalField(decimal_places=2, help_text='财政实际下达（到位）的资金；预算执行率以此为分母。', max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='实际下达预算（元）')),
                ('note', models.TextField(blank=True, verbose_name='说明')),
                ('bureau', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='budgets', to='accounts.bureau', verbose_name='购买单位')),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='budgets', to='contracts.project', verbose_name='服务项目')),
            ],
            options={
                'verbose_name': '预算',
                'verbose_name_plural': '预算',
                'ordering': ['-year', 'project__name'],
                'permissions': [('view_dashboard', '可查看预算执行看板')],
                'indexes': [models.Index(fields=['bureau', 'year'], name='budget_bureau_year_idx')],
                'constraints': [models.UniqueConstraint(fields=('project', 'year'), name='budget_unique_project_year', violation_error_message='该项目该年度已有预算。'), models.CheckConstraint(condition=models.Q(('initial_amount__gte', 0)), name='budget_initial_nonnegative', violation_error_message='年初预算不能为负数。'), models.CheckConstraint(condition=models.Q(('issued_amount__gte', 0)), name='budget_issued_nonnegative', violation_error_message='实际下达预算不能为负数。')],
            },
        ),
        migrations.CreateModel(
            name='BudgetAdjustment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('direction', models.CharField(choices=[('increase', '追加'), ('decrease', '调减')], max_length=10, verbose_name='调整方向')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.01'), message='金额必须大于 0。')], verbose_name='调整金额（元）')),
                ('adjusted_on', models.DateField(verbose_name='调整日期')),
                ('reason', models.TextField(verbose_name='调整原因')),
                ('budget', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='adjustments', to='payments.budget', verbose_name='预算')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
            ],
            options={
                'verbose_name': '预算调整',
                'verbose_name_plural': '预算调整',
                'ordering': ['adjusted_on', 'pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='budget_adjustment_positive', violation_error_message='调整金额必须大于 0。')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalAudit',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('kind', models.CharField(choices=[('audit', '专项审计'), ('assessment', '质量评估')], max_length=12, verbose_name='类型')),
                ('firm', models.CharField(help_text='会计师事务所或评估机构。', max_length=100, verbose_name='实施机构')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='所属年度')),
                ('started_on', models.DateField(verbose_name='开始日期')),
                ('closed_on', models.DateField(blank=True, help_text='出具报告即视为关闭；关闭前，以其为前置条件的分期款不能审批。', null=True, verbose_name='报告日期')),
                ('report_number', models.CharField(blank=True, max_length=60, verbose_name='报告编号')),
                ('findings', models.TextField(blank=True, verbose_name='主要结论')),
                ('score', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('100'))], verbose_name='评估得分')),
                ('grade', models.CharField(blank=True, help_text='例如 优秀、良好、合格、不合格。', max_length=20, verbose_name='评估等级')),
                ('satisfaction', models.CharField(blank=True, max_length=60, verbose_name='满意度')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('bureau', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.bureau', verbose_name='购买单位')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('project', models.ForeignKey(blank=True, db_constraint=False, help_text='涉及多个项目时可留空。', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='contracts.project', verbose_name='服务项目')),
            ],
            options={
                'verbose_name': 'historical 审计/评估',
                'verbose_name_plural': 'historical 审计/评估',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalBudget',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='预算年度')),
                ('initial_amount', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='年初预算（元）')),
                ('issued_amount', models.DecimalField(decimal_places=2, help_text='财政实际下达（到位）的资金；预算执行率以此为分母。', max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='实际下达预算（元）')),
                ('note', models.TextField(blank=True, verbose_name='说明')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('bureau', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.bureau', verbose_name='购买单位')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('project', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='contracts.project', verbose_name='服务项目')),
            ],
            options={
                'verbose_name': 'historical 预算',
                'verbose_name_plural': 'historical 预算',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalBudgetAdjustment',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('direction', models.CharField(choices=[('increase', '追加'), ('decrease', '调减')], max_length=10, verbose_name='调整方向')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.01'), message='金额必须大于 0。')], verbose_name='调整金额（元）')),
                ('adjusted_on', models.DateField(verbose_name='调整日期')),
                ('reason', models.TextField(verbose_name='调整原因')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('budget', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='payments.budget', verbose_name='预算')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('recorded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
            ],
            options={
                'verbose_name': 'historical 预算调整',
                'verbose_name_plural': 'historical 预算调整',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalInstallment',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='期次')),
                ('percent', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('100'))], verbose_name='比例（%）')),
                ('planned_amount', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.01'), message='金额必须大于 0。')], verbose_name='计划金额（元）')),
                ('due_date', models.DateField(verbose_name='应付日期')),
                ('documents_due', models.DateField(blank=True, help_text='服务机构应在此日期前提交付款资料。', null=True, verbose_name='资料提交期限')),
                ('status', models.CharField(choices=[('planned', '计划'), ('awaiting_documents', '待交资料'), ('documents_submitted', '资料已交'), ('under_review', '审核中'), ('approved', '已审批'), ('paid', '已支付'), ('on_hold', '暂缓'), ('cancelled', '已取消')], default='planned', max_length=24, verbose_name='状态')),
                ('status_changed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='状态变更时间')),
                ('approved_on', models.DateField(blank=True, null=True, verbose_name='审批日期')),
                ('delay_reason', models.CharField(blank=True, help_text='例如：服务机构提交资料不及时导致财务封账。', max_length=200, verbose_name='延迟原因')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('bureau', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.bureau', verbose_name='购买单位')),
                ('contract', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='contracts.contract', verbose_name='合同')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical 分期款',
                'verbose_name_plural': 'historical 分期款',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalProgressCheckpoint',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='年度')),
                ('month', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(12)], verbose_name='月份（月底）')),
                ('target_percent', models.DecimalField(decimal_places=2, max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('100'))], verbose_name='序时进度目标（%）')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('bureau', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.bureau', verbose_name='单位')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical 序时进度节点',
                'verbose_name_plural': 'historical 序时进度节点',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Installment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='期次')),
                ('percent', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('100'))], verbose_name='比例（%）')),
                ('planned_amount', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.01'), message='金额必须大于 0。')], verbose_name='计划金额（元）')),
                ('due_date', models.DateField(verbose_name='应付日期')),
                ('documents_due', models.DateField(blank=True, help_text='服务机构应在此日期前提交付款资料。', null=True, verbose_name='资料提交期限')),
                ('status', models.CharField(choices=[('planned', '计划'), ('awaiting_documents', '待交资料'), ('documents_submitted', '资料已交'), ('under_review', '审核中'), ('approved', '已审批'), ('paid', '已支付'), ('on_hold', '暂缓'), ('cancelled', '已取消')], default='planned', max_length=24, verbose_name='状态')),
                ('status_changed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='状态变更时间')),
                ('approved_on', models.DateField(blank=True, null=True, verbose_name='审批日期')),
                ('delay_reason', models.CharField(blank=True, help_text='例如：服务机构提交资料不及时导致财务封账。', max_length=200, verbose_name='延迟原因')),
                ('bureau', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='installments', to='accounts.bureau', verbose_name='购买单位')),
                ('contract', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='installments', to='contracts.contract', verbose_name='合同')),
                ('gates', models.ManyToManyField(blank=True, help_text='这些审计或评估出具报告后，本期款才能审批。', related_name='gated_installments', to='payments.audit', verbose_name='前置审计/评估')),
            ],
            options={
                'verbose_name': '分期款',
                'verbose_name_plural': '分期款',
                'ordering': ['contract', 'number'],
                'permissions': [('request_documents', '可通知服务机构提交资料'), ('submit_documents', '可登记资料已交齐'), ('review_installment', '可审核分期款'), ('approve_installment', '可审批分期款'), ('hold_installment', '可暂缓或退回分期款'), ('cancel_installment', '可取消分期款')],
                'indexes': [models.Index(fields=['bureau', 'due_date'], name='installment_bureau_due_idx'), models.Index(fields=['status', 'due_date'], name='installment_status_due_idx')],
                'constraints': [models.UniqueConstraint(fields=('contract', 'number'), name='installment_unique_number', violation_error_message='该合同已有相同期次的分期款。'), models.CheckConstraint(condition=models.Q(('planned_amount__gt', 0)), name='installment_amount_positive', violation_error_message='计划金额必须大于 0。')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalRequiredDocument',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('kind', models.CharField(choices=[('invoice', '发票'), ('service_report', '服务报告'), ('financial_report', '财务收支报告'), ('staff_roster', '人员花名册及考勤'), ('audit_report', '审计报告'), ('other', '其他')], max_length=20, verbose_name='资料类型')),
                ('name', models.CharField(blank=True, max_length=100, verbose_name='资料名称')),
                ('received_on', models.DateField(blank=True, null=True, verbose_name='收到日期')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='备注')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('installment', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='payments.installment', verbose_name='分期款')),
            ],
            options={
                'verbose_name': 'historical 付款资料',
                'verbose_name_plural': 'historical 付款资料',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalInstallment_gates',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('audit', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='payments.audit')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='payments.historicalinstallment')),
                ('installment', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='payments.installment')),
            ],
            options={
                'verbose_name': 'HistoricalInstallment_gates',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalDeduction',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.01'), message='金额必须大于 0。')], verbose_name='扣减金额（元）')),
                ('decided_on', models.DateField(verbose_name='扣减日期')),
                ('reason', models.TextField(verbose_name='扣减原因')),
                ('withdrawn_on', models.DateField(blank=True, null=True, verbose_name='撤销日期')),
                ('withdrawal_reason', models.TextField(blank=True, verbose_name='撤销原因')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('audit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='payments.audit', verbose_name='依据报告')),
                ('bureau', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.bureau', verbose_name='购买单位')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('recorded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
                ('installment', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='payments.installment', verbose_name='分期款')),
            ],
            options={
                'verbose_name': 'historical 扣减',
                'verbose_name_plural': 'historical 扣减',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Deduction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.01'), message='金额必须大于 0。')], verbose_name='扣减金额（元）')),
                ('decided_on', models.DateField(verbose_name='扣减日期')),
                ('reason', models.TextField(verbose_name='扣减原因')),
                ('withdrawn_on', models.DateField(blank=True, null=True, verbose_name='撤销日期')),
                ('withdrawal_reason', models.TextField(blank=True, verbose_name='撤销原因')),
                ('audit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deductions', to='payments.audit', verbose_name='依据报告')),
                ('bureau', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deductions', to='accounts.bureau', verbose_name='购买单位')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
                ('installment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deductions', to='payments.installment', verbose_name='分期款')),
            ],
            options={
                'verbose_name': '扣减',
                'verbose_name_plural': '扣减',
                'ordering': ['decided_on', 'pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='deduction_amount_positive', violation_error_message='扣减金额必须大于 0。')],
            },
        ),
        migrations.CreateModel(
            name='InstallmentTransition',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_status', models.CharField(choices=[('planned', '计划'), ('awaiting_documents', '待交资料'), ('documents_submitted', '资料已交'), ('under_review', '审核中'), ('approved', '已审批'), ('paid', '已支付'), ('on_hold', '暂缓'), ('cancelled', '已取消')], max_length=24, verbose_name='原状态')),
                ('to_status', models.CharField(choices=[('planned', '计划'), ('awaiting_documents', '待交资料'), ('documents_submitted', '资料已交'), ('under_review', '审核中'), ('approved', '已审批'), ('paid', '已支付'), ('on_hold', '暂缓'), ('cancelled', '已取消')], max_length=24, verbose_name='新状态')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='时间')),
                ('reason', models.TextField(blank=True, verbose_name='说明')),
                ('actor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL, verbose_name='操作人')),
                ('installment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='transitions', to='payments.installment', verbose_name='分期款')),
            ],
            options={
                'verbose_name': '分期款状态变更',
                'verbose_name_plural': '分期款状态变更',
                'ordering': ['at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Payment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('payment', '支付'), ('reversal', '冲销')], default='payment', max_length=10, verbose_name='类型')),
                ('paid_on', models.DateField(verbose_name='支付日期')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='金额（元）')),
                ('voucher_number', models.CharField(max_length=40, verbose_name='凭证号')),
                ('reason', models.TextField(blank=True, verbose_name='说明')),
                ('posted_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='登记时间')),
                ('request_key', models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name='提交标识')),
                ('bureau', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payments', to='accounts.bureau', verbose_name='购买单位')),
                ('installment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payments', to='payments.installment', verbose_name='分期款')),
                ('posted_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
                ('reverses', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reversed_by', to='payments.payment', verbose_name='冲销的支付')),
            ],
            options={
                'verbose_name': '支付',
                'verbose_name_plural': '支付',
                'ordering': ['paid_on', 'pk'],
                'indexes': [models.Index(fields=['bureau', 'paid_on'], name='payment_bureau_date_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('kind', 'payment'), ('amount__gt', 0), ('reverses__isnull', True)), models.Q(('kind', 'reversal'), ('amount__lt', 0), ('reverses__isnull', False), models.Q(('reason', ''), _negated=True)), _connector='OR'), name='payment_kind_consistent', violation_error_message='支付金额必须大于 0；冲销金额为负数，并须写明原因。')],
            },
        ),
        migrations.CreateModel(
            name='ProgressCheckpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='年度')),
                ('month', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(12)], verbose_name='月份（月底）')),
                ('target_percent', models.DecimalField(decimal_places=2, max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('100'))], verbose_name='序时进度目标（%）')),
                ('bureau', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='checkpoints', to='accounts.bureau', verbose_name='单位')),
            ],
            options={
                'verbose_name': '序时进度节点',
                'verbose_name_plural': '序时进度节点',
                'ordering': ['bureau', 'year', 'month'],
                'constraints': [models.UniqueConstraint(fields=('bureau', 'year', 'month'), name='checkpoint_unique_month', violation_error_message='该月已设序时进度目标。'), models.CheckConstraint(condition=models.Q(('target_percent__gte', 0), ('target_percent__lte', 100)), name='checkpoint_percent_range', violation_error_message='序时进度目标必须在 0 到 100 之间。')],
            },
        ),
        migrations.CreateModel(
            name='RequiredDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('invoice', '发票'), ('service_report', '服务报告'), ('financial_report', '财务收支报告'), ('staff_roster', '人员花名册及考勤'), ('audit_report', '审计报告'), ('other', '其他')], max_length=20, verbose_name='资料类型')),
                ('name', models.CharField(blank=True, max_length=100, verbose_name='资料名称')),
                ('received_on', models.DateField(blank=True, null=True, verbose_name='收到日期')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='备注')),
                ('installment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='documents', to='payments.installment', verbose_name='分期款')),
            ],
            options={
                'verbose_name': '付款资料',
                'verbose_name_plural': '付款资料',
                'ordering': ['installment', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalReminderSettings',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('due_soon_days', models.JSONField(default=payments.models.default_due_soon_days, help_text='应付日期前多少天提醒，例如 [15, 7, 3]。', verbose_name='到期提醒（提前天数）')),
                ('escalate_level2_days', models.PositiveSmallIntegerField(default=15, verbose_name='逾期升级至分管领导（天）')),
                ('escalate_level3_days', models.PositiveSmallIntegerField(default=30, verbose_name='逾期标为紧急（天）')),
                ('payment_deadline_days', models.PositiveSmallIntegerField(default=30, help_text='《保障中小企业款项支付条例》：验收后 30 日内付款，合同另有约定的不超过 60 日。', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)], verbose_name='审批后付款期限（天）')),
                ('tolerance_points', models.DecimalField(decimal_places=2, default=Decimal('5'), max_digits=5, verbose_name='落后序时进度容忍度（百分点）')),
                ('year_end_target', models.DecimalField(decimal_places=2, default=Decimal('95'), max_digits=5, verbose_name='年末执行率目标（%）')),
                ('projection_from_month', models.PositiveSmallIntegerField(default=10, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(12)], verbose_name='从几月起预警年末执行率')),
                ('work_start', models.TimeField(default=datetime.time(9, 0), verbose_name='工作时间起')),
                ('work_end', models.TimeField(default=datetime.time(18, 0), verbose_name='工作时间止')),
                ('work_days', models.JSONField(blank=True, default=list, help_text='ISO 星期几，1=周一 … 7=周日；留空为周一至周五。', verbose_name='工作日')),
                ('email_enabled', models.BooleanField(default=True, verbose_name='发送邮件')),
                ('webhook_url', models.URLField(blank=True, help_text='企业微信/钉钉群机器人的 Webhook 地址；留空则不推送。', verbose_name='群机器人地址')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('bureau', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.bureau', verbose_name='单位')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical 提醒设置',
                'verbose_name_plural': 'historical 提醒设置',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Notice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=120, unique=True, verbose_name='提醒标识')),
                ('rule', models.CharField(choices=[('due_soon', '分期款即将到期'), ('documents_late', '付款资料逾期未交'), ('late', '分期款逾期未付'), ('approved_unpaid', '审批后逾期未付款'), ('behind_target', '执行进度落后序时进度'), ('projection_low', '预计年末执行率不达标')], max_length=20, verbose_name='规则')),
                ('level', models.PositiveSmallIntegerField(default=1, verbose_name='级别')),
                ('urgent', models.BooleanField(default=False, verbose_name='紧急')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('body', models.TextField(verbose_name='内容')),
                ('url', models.CharField(max_length=300, verbose_name='链接')),
                ('data', models.JSONField(blank=True, default=dict, verbose_name='数据')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='发现时间')),
                ('deliver_after', models.DateTimeField(help_text='工作时间外发现的提醒，等到工作时间再发送。', verbose_name='发送时间')),
                ('delivered_at', models.DateTimeField(blank=True, null=True, verbose_name='已发送')),
                ('webhook_sent_at', models.DateTimeField(blank=True, null=True, verbose_name='已推送群机器人')),
                ('provider_emailed_at', models.DateTimeField(blank=True, null=True, verbose_name='已邮件通知服务机构')),
                ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='已解除')),
                ('resolution', models.CharField(blank=True, max_length=100, verbose_name='解除原因')),
                ('bureau', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notices', to='accounts.bureau', verbose_name='单位')),
                ('installment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notices', to='payments.installment', verbose_name='分期款')),
                ('dispatched_at', models.DateTimeField(blank=True, help_text='邮件与群机器人消息已由发送任务认领（每条提醒只认领一次）。', null=True, verbose_name='已外发')),
            ],
            options={
                'verbose_name': '提醒',
                'verbose_name_plural': '提醒',
                'ordering': ['-created_at'],
                'indexes': [models.Index(fields=['delivered_at', 'deliver_after'], name='notice_delivery_idx'), models.Index(fields=['bureau', 'resolved_at'], name='notice_open_idx')],
            },
        ),
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='时间')),
                ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='已读时间')),
                ('emailed_at', models.DateTimeField(blank=True, null=True, verbose_name='邮件发送时间')),
                ('notice', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='payments.notice', verbose_name='提醒')),
                ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='接收人')),
            ],
            options={
                'verbose_name': '通知',
                'verbose_name_plural': '通知',
                'ordering': ['-created_at'],
                'indexes': [models.Index(fields=['recipient', 'read_at'], name='notification_unread_idx')],
                'constraints': [models.UniqueConstraint(fields=('notice', 'recipient'), name='notification_once_per_person')],
            },
        ),
        migrations.CreateModel(
            name='ReminderSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('due_soon_days', models.JSONField(default=payments.models.default_due_soon_days, help_text='应付日期前多少天提醒，例如 [15, 7, 3]。', verbose_name='到期提醒（提前天数）')),
                ('escalate_level2_days', models.PositiveSmallIntegerField(default=15, verbose_name='逾期升级至分管领导（天）')),
                ('escalate_level3_days', models.PositiveSmallIntegerField(default=30, verbose_name='逾期标为紧急（天）')),
                ('payment_deadline_days', models.PositiveSmallIntegerField(default=30, help_text='《保障中小企业款项支付条例》：验收后 30 日内付款，合同另有约定的不超过 60 日。', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)], verbose_name='审批后付款期限（天）')),
                ('tolerance_points', models.DecimalField(decimal_places=2, default=Decimal('5'), max_digits=5, verbose_name='落后序时进度容忍度（百分点）')),
                ('year_end_target', models.DecimalField(decimal_places=2, default=Decimal('95'), max_digits=5, verbose_name='年末执行率目标（%）')),
                ('projection_from_month', models.PositiveSmallIntegerField(default=10, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(12)], verbose_name='从几月起预警年末执行率')),
                ('work_start', models.TimeField(default=datetime.time(9, 0), verbose_name='工作时间起')),
                ('work_end', models.TimeField(default=datetime.time(18, 0), verbose_name='工作时间止')),
                ('work_days', models.JSONField(blank=True, default=list, help_text='ISO 星期几，1=周一 … 7=周日；留空为周一至周五。', verbose_name='工作日')),
                ('email_enabled', models.BooleanField(default=True, verbose_name='发送邮件')),
                ('webhook_url', models.URLField(blank=True, help_text='企业微信/钉钉群机器人的 Webhook 地址；留空则不推送。', verbose_name='群机器人地址')),
                ('bureau', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='reminder_settings', to='accounts.bureau', verbose_name='单位')),
            ],
            options={
                'verbose_name': '提醒设置',
                'verbose_name_plural': '提醒设置',
                'constraints': [models.CheckConstraint(condition=models.Q(('work_start__lt', models.F('work_end'))), name='reminder_hours_order', violation_error_message='工作时间止必须晚于工作时间起。'), models.CheckConstraint(condition=models.Q(('escalate_level3_days__gt', models.F('escalate_level2_days'))), name='reminder_escalation_order', violation_error_message='紧急级别的天数应大于升级至分管领导的天数。')],
            },
        ),
        migrations.RunPython(data_steps, data_steps_backward),  # 0002, 0004, 0006, 0007, 0008
    ]
