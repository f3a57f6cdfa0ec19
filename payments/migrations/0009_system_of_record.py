"""A system of record: budgets as dated events, business dates of installment steps,
and closed fiscal years (年度结账).

Budgets become dated events (年初预算, 指标下达, 追加, 调减, 收回).

Each budget's single initial and issued amounts, and its dated adjustments, turn into
events so that every figure stays what it was at the year end: the initial amount is a
年初预算 and the issued amount a 指标下达, both dated 1 January of the budget's year;
an adjustment keeps its date and becomes a 追加 or 调减. A 追加 or 调减 now moves the
issued figure too, so the 指标下达 is the issued amount less the adjustments' net (a
收回 on the last adjustment's date where that would be negative). Events are never
updated: the database refuses it, as it does for payments.

An installment step recorded before business dates existed happened the day it was
entered.
"""

import datetime
from decimal import Decimal

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

MIGRATED = "由原预算数字迁移"
MESSAGE = "budget events are immutable; record a reversing event instead"
TRIGGERS = {
    "postgresql": (
        f"""
CREATE OR REPLACE FUNCTION payments_budgetevent_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payments_budgetevent_no_update BEFORE UPDATE ON payments_budgetevent
    FOR EACH ROW EXECUTE FUNCTION payments_budgetevent_immutable();
""",
        """
DROP TRIGGER IF EXISTS payments_budgetevent_no_update ON payments_budgetevent;
DROP FUNCTION IF EXISTS payments_budgetevent_immutable();
""",
    ),
    "sqlite": (
        f"""
CREATE TRIGGER payments_budgetevent_no_update BEFORE UPDATE ON payments_budgetevent
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END;
""",
        "DROP TRIGGER IF EXISTS payments_budgetevent_no_update;",
    ),
}


def events_from_amounts(apps, schema_editor):
    Budget = apps.get_model("payments", "Budget")
    BudgetEvent = apps.get_model("payments", "BudgetEvent")
    History = apps.get_model("payments", "HistoricalBudget")
    User = apps.get_model("accounts", "User")
    fallback = User.objects.order_by("pk").first()
    for budget in Budget.objects.prefetch_related("adjustments").order_by("pk"):
        jan1 = datetime.date(budget.year, 1, 1)
        adjustments = sorted(budget.adjustments.all(), key=lambda a: (a.adjusted_on, a.pk))
        first = (
            History.objects.filter(id=budget.pk)
            .exclude(history_user=None)
            .order_by("history_date")
            .first()
        )
        user = first.history_user if first else None
        user = user or (adjustments[0].recorded_by if adjustments else fallback)
        net = sum(
            (a.amount if a.direction == "increase" else -a.amount for a in adjustments),
            Decimal("0"),
        )

        def add(kind, amount, dated_on, reason, recorded_by=user):
            BudgetEvent.objects.create(
                budget=budget,
                kind=kind,
                amount=amount,
                dated_on=dated_on,
                reason=reason,
                recorded_by=recorded_by,
            )

        if budget.initial_amount > 0:
            add("initial", budget.initial_amount, jan1, MIGRATED)
        issued = budget.issued_amount - net
        if issued > 0:
            add("issued", issued, jan1, MIGRATED)
        for a in adjustments:
            add(a.direction, a.amount, a.adjusted_on, a.reason, a.recorded_by)
        if issued < 0:
            add("withdrawal", -issued, adjustments[-1].adjusted_on, MIGRATED)


def triggers_forward(apps, schema_editor):
    if sql := TRIGGERS.get(schema_editor.connection.vendor):
        schema_editor.execute(sql[0])


def triggers_backward(apps, schema_editor):
    if sql := TRIGGERS.get(schema_editor.connection.vendor):
        schema_editor.execute(sql[1])


def dated_when_entered(apps, schema_editor):
    Transition = apps.get_model("payments", "InstallmentTransition")
    for pk, at in Transition.objects.values_list("pk", "at").iterator():
        Transition.objects.filter(pk=pk).update(dated_on=timezone.localdate(at))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_postgresql_session_defaults"),
        ("payments", "0008_reminder_escalation_order"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BudgetEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("initial", "年初预算"),
                            ("issued", "指标下达"),
                            ("increase", "追加"),
                            ("decrease", "调减"),
                            ("withdrawal", "收回"),
                        ],
                        max_length=12,
                        verbose_name="事项",
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="冲销记录为负数，与被冲销的记录相抵。",
                        max_digits=14,
                        verbose_name="金额（元）",
                    ),
                ),
                ("dated_on", models.DateField(verbose_name="业务日期")),
                (
                    "document_number",
                    models.CharField(blank=True, max_length=60, verbose_name="文号"),
                ),
                ("reason", models.TextField(verbose_name="事由")),
                (
                    "recorded_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="录入时间"
                    ),
                ),
            ],
            options={
                "verbose_name": "预算事项",
                "verbose_name_plural": "预算事项",
                "ordering": ["dated_on", "pk"],
            },
        ),
        migrations.AddField(
            model_name="budgetevent",
            name="budget",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="payments.budget",
                verbose_name="预算",
            ),
        ),
        migrations.AddField(
            model_name="budgetevent",
            name="recorded_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                to=settings.AUTH_USER_MODEL,
                verbose_name="录入人",
            ),
        ),
        migrations.AddField(
            model_name="budgetevent",
            name="reverses",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reversed_by",
                to="payments.budgetevent",
                verbose_name="冲销的记录",
            ),
        ),
        migrations.AddIndex(
            model_name="budgetevent",
            index=models.Index(fields=["budget", "dated_on"], name="budget_event_date_idx"),
        ),
        migrations.AddConstraint(
            model_name="budgetevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("amount__gt", 0), ("reverses__isnull", True)),
                    models.Q(("amount__lt", 0), ("reverses__isnull", False)),
                    _connector="OR",
                ),
                name="budget_event_amount_sign",
                violation_error_message="金额必须大于 0（冲销记录为负数）。",
            ),
        ),
        migrations.RunPython(events_from_amounts, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="budgetadjustment",
            name="budget",
        ),
        migrations.RemoveField(
            model_name="budgetadjustment",
            name="recorded_by",
        ),
        migrations.RemoveField(
            model_name="historicalbudgetadjustment",
            name="budget",
        ),
        migrations.RemoveField(
            model_name="historicalbudgetadjustment",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicalbudgetadjustment",
            name="recorded_by",
        ),
        migrations.RemoveConstraint(
            model_name="budget",
            name="budget_initial_nonnegative",
        ),
        migrations.RemoveConstraint(
            model_name="budget",
            name="budget_issued_nonnegative",
        ),
        migrations.RemoveField(
            model_name="budget",
            name="initial_amount",
        ),
        migrations.RemoveField(
            model_name="budget",
            name="issued_amount",
        ),
        migrations.RemoveField(
            model_name="historicalbudget",
            name="initial_amount",
        ),
        migrations.RemoveField(
            model_name="historicalbudget",
            name="issued_amount",
        ),
        migrations.DeleteModel(
            name="BudgetAdjustment",
        ),
        migrations.DeleteModel(
            name="HistoricalBudgetAdjustment",
        ),
        migrations.RunPython(triggers_forward, triggers_backward),
        migrations.AlterModelOptions(
            name='installment',
            options={'ordering': ['contract', 'number'], 'permissions': [('request_documents', '可通知服务机构提交资料'), ('submit_documents', '可登记资料已交齐'), ('review_installment', '可审核分期款'), ('approve_installment', '可审批分期款'), ('hold_installment', '可暂缓或退回分期款'), ('cancel_installment', '可取消分期款'), ('backdate_entry', '可补录过往业务日期')], 'verbose_name': '分期款', 'verbose_name_plural': '分期款'},
        ),
        migrations.AddField(
            model_name='installmenttransition',
            name='dated_on',
            field=models.DateField(default=django.utils.timezone.localdate, verbose_name='业务日期'),
        ),
        migrations.AlterField(
            model_name='installmenttransition',
            name='actor',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL, verbose_name='录入人'),
        ),
        migrations.AlterField(
            model_name='installmenttransition',
            name='at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='录入时间'),
        ),
        migrations.RunPython(dated_when_entered, migrations.RunPython.noop),
        migrations.CreateModel(
            name='FiscalYearClosing',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='结账年度')),
                ('closed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='结账时间')),
                ('note', models.TextField(blank=True, verbose_name='说明')),
                ('bureau', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='closings', to='accounts.bureau', verbose_name='购买单位')),
                ('closed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL, verbose_name='结账人')),
            ],
            options={
                'verbose_name': '年度结账',
                'verbose_name_plural': '年度结账',
                'ordering': ['-year'],
                'permissions': [('close_fiscal_year', '可办理年度结账')],
                'constraints': [models.UniqueConstraint(fields=('bureau', 'year'), name='fiscal_year_closing_unique', violation_error_message='该年度已结账。')],
            },
        ),
    ]
