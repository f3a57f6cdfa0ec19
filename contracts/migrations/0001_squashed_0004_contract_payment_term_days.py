"""contracts 0001-0004 in one migration, for a fresh database: every model as its last
migration left it (columns in the same order, constraints and indexes in CREATE TABLE, so
SQLite builds each table once instead of rebuilding it per change). The old migrations
had no data steps.

On a database where 0001-0004 ran, Django records this one as applied and runs nothing;
a new migration of the app may keep depending on 0004 (``replaces`` maps it here).
"""

import contracts.models
import contracts.validators
import datetime
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('contracts', '0001_initial'), ('contracts', '0002_constraint_messages'), ('contracts', '0003_bounds_on_years_staffing_and_dates'), ('contracts', '0004_contract_payment_term_days')]

    initial = True

    dependencies = [
        ('accounts', '0006_admin_role_without_beat'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalProject',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='项目名称')),
                ('service_field', models.CharField(choices=[('social_welfare', '社会福利'), ('social_assistance', '社会救助'), ('charity', '慈善事业'), ('community', '社区建设'), ('marriage_family', '婚姻家庭'), ('mental_health', '精神卫生'), ('disability', '残障康复'), ('education', '教育辅导'), ('employment', '就业援助'), ('worker_support', '职工帮扶'), ('crime_prevention', '犯罪预防'), ('drug_rehabilitation', '禁毒戒毒'), ('correction', '矫治帮教'), ('health', '卫生健康'), ('mediation', '纠纷调解'), ('emergency', '应急处置')], max_length=32, verbose_name='服务领域')),
                ('department', models.CharField(blank=True, help_text='项目社工驻点服务的科室或单位。', max_length=50, verbose_name='服务科室')),
                ('description', models.TextField(blank=True, verbose_name='项目概况')),
                ('long_term_goals', models.TextField(blank=True, verbose_name='中长期目标')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('bureau', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.bureau', verbose_name='购买单位')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('owner', models.ForeignKey(blank=True, db_constraint=False, help_text='业务科室的负责人；付款与资料提醒发给他。', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='项目负责人')),
            ],
            options={
                'verbose_name': 'historical 服务项目',
                'verbose_name_plural': 'historical 服务项目',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalProvider',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='机构名称')),
                ('credit_code', models.CharField(help_text='18 位，末位为 GB 32100-2015 校验位；民政登记的社会服务机构以 52 开头。', max_length=18, validators=[contracts.validators.validate_credit_code], verbose_name='统一社会信用代码')),
                ('legal_representative', models.CharField(blank=True, max_length=50, verbose_name='法定代表人')),
                ('contact_person', models.CharField(blank=True, max_length=50, verbose_name='联系人')),
                ('phone', models.CharField(blank=True, max_length=30, verbose_name='联系电话')),
                ('email', models.EmailField(blank=True, help_text='资料逾期提醒会发送到此邮箱。', max_length=254, verbose_name='联系邮箱')),
                ('address', models.CharField(blank=True, max_length=200, verbose_name='地址')),
                ('bank_name', models.CharField(blank=True, max_length=100, verbose_name='开户银行')),
                ('bank_account', models.CharField(blank=True, max_length=40, verbose_name='银行账号')),
                ('rating', models.CharField(blank=True, choices=[('5A', '5A'), ('4A', '4A'), ('3A', '3A'), ('2A', '2A'), ('1A', '1A')], max_length=2, verbose_name='社会组织评估等级')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('bureau', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.bureau', verbose_name='登记单位')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical 服务机构',
                'verbose_name_plural': 'historical 服务机构',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Project',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='项目名称')),
                ('service_field', models.CharField(choices=[('social_welfare', '社会福利'), ('social_assistance', '社会救助'), ('charity', '慈善事业'), ('community', '社区建设'), ('marriage_family', '婚姻家庭'), ('mental_health', '精神卫生'), ('disability', '残障康复'), ('education', '教育辅导'), ('employment', '就业援助'), ('worker_support', '职工帮扶'), ('crime_prevention', '犯罪预防'), ('drug_rehabilitation', '禁毒戒毒'), ('correction', '矫治帮教'), ('health', '卫生健康'), ('mediation', '纠纷调解'), ('emergency', '应急处置')], max_length=32, verbose_name='服务领域')),
                ('department', models.CharField(blank=True, help_text='项目社工驻点服务的科室或单位。', max_length=50, verbose_name='服务科室')),
                ('description', models.TextField(blank=True, verbose_name='项目概况')),
                ('long_term_goals', models.TextField(blank=True, verbose_name='中长期目标')),
                ('bureau', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='projects', to='accounts.bureau', verbose_name='购买单位')),
                ('owner', models.ForeignKey(blank=True, help_text='业务科室的负责人；付款与资料提醒发给他。', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='owned_projects', to=settings.AUTH_USER_MODEL, verbose_name='项目负责人')),
            ],
            options={
                'verbose_name': '服务项目',
                'verbose_name_plural': '服务项目',
                'ordering': ['name'],
                'constraints': [models.UniqueConstraint(fields=('bureau', 'name'), name='project_unique_name_per_bureau', violation_error_message='本单位已有同名服务项目。')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalAnnualGoal',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000, message='年度应在 2000 至 2100 之间。'), django.core.validators.MaxValueValidator(2100, message='年度应在 2000 至 2100 之间。')], verbose_name='年度')),
                ('goals', models.TextField(verbose_name='年度目标')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('project', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='contracts.project', verbose_name='服务项目')),
            ],
            options={
                'verbose_name': 'historical 年度目标',
                'verbose_name_plural': 'historical 年度目标',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='AnnualGoal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000, message='年度应在 2000 至 2100 之间。'), django.core.validators.MaxValueValidator(2100, message='年度应在 2000 至 2100 之间。')], verbose_name='年度')),
                ('goals', models.TextField(verbose_name='年度目标')),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='annual_goals', to='contracts.project', verbose_name='服务项目')),
            ],
            options={
                'verbose_name': '年度目标',
                'verbose_name_plural': '年度目标',
                'ordering': ['project', '-year'],
                'constraints': [models.UniqueConstraint(fields=('project', 'year'), name='annual_goal_unique_year', violation_error_message='该项目已有该年度的目标。')],
            },
        ),
        migrations.CreateModel(
            name='Provider',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='机构名称')),
                ('credit_code', models.CharField(help_text='18 位，末位为 GB 32100-2015 校验位；民政登记的社会服务机构以 52 开头。', max_length=18, validators=[contracts.validators.validate_credit_code], verbose_name='统一社会信用代码')),
                ('legal_representative', models.CharField(blank=True, max_length=50, verbose_name='法定代表人')),
                ('contact_person', models.CharField(blank=True, max_length=50, verbose_name='联系人')),
                ('phone', models.CharField(blank=True, max_length=30, verbose_name='联系电话')),
                ('email', models.EmailField(blank=True, help_text='资料逾期提醒会发送到此邮箱。', max_length=254, verbose_name='联系邮箱')),
                ('address', models.CharField(blank=True, max_length=200, verbose_name='地址')),
                ('bank_name', models.CharField(blank=True, max_length=100, verbose_name='开户银行')),
                ('bank_account', models.CharField(blank=True, max_length=40, verbose_name='银行账号')),
                ('rating', models.CharField(blank=True, choices=[('5A', '5A'), ('4A', '4A'), ('3A', '3A'), ('2A', '2A'), ('1A', '1A')], max_length=2, verbose_name='社会组织评估等级')),
                ('bureau', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='providers', to='accounts.bureau', verbose_name='登记单位')),
            ],
            options={
                'verbose_name': '服务机构',
                'verbose_name_plural': '服务机构',
                'ordering': ['name'],
                'constraints': [models.UniqueConstraint(fields=('bureau', 'credit_code'), name='provider_unique_code_per_bureau', violation_error_message='本单位已登记相同统一社会信用代码的服务机构。')],
            },
        ),
        migrations.CreateModel(
            name='Award',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('procurement_method', models.CharField(choices=[('open_tender', '公开招标'), ('invited_tender', '邀请招标'), ('negotiation', '竞争性谈判'), ('consultation', '竞争性磋商'), ('single_source', '单一来源'), ('inquiry', '询价'), ('framework', '框架协议')], max_length=20, verbose_name='采购方式')),
                ('award_date', models.DateField(validators=[django.core.validators.MinValueValidator(datetime.date(2000, 1, 1), message='日期应在 2000 年至 2100 年之间。'), django.core.validators.MaxValueValidator(datetime.date(2100, 12, 31), message='日期应在 2000 年至 2100 年之间。')], verbose_name='中标日期')),
                ('term_start', models.DateField(help_text='中标服务期的第一天；结束日期按中标期月数推算。', validators=[django.core.validators.MinValueValidator(datetime.date(2000, 1, 1), message='日期应在 2000 年至 2100 年之间。'), django.core.validators.MaxValueValidator(datetime.date(2100, 12, 31), message='日期应在 2000 年至 2100 年之间。')], verbose_name='中标期起')),
                ('term_months', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(120, message='中标期不能超过 120 个月。')], verbose_name='中标期（月）')),
                ('annual_amount', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.01'), message='金额必须大于 0。')], verbose_name='中标金额（元/年）')),
                ('notice_number', models.CharField(blank=True, max_length=60, verbose_name='中标公告编号')),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='awards', to='contracts.project', verbose_name='服务项目')),
                ('provider', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='awards', to='contracts.provider', verbose_name='中标机构')),
            ],
            options={
                'verbose_name': '中标',
                'verbose_name_plural': '中标',
                'ordering': ['-award_date'],
                'constraints': [models.CheckConstraint(condition=models.Q(('annual_amount__gt', 0)), name='award_annual_amount_positive', violation_error_message='中标金额必须大于 0。'), models.CheckConstraint(condition=models.Q(('term_months__gt', 0)), name='award_term_positive', violation_error_message='中标期至少为 1 个月。')],
            },
        ),
        migrations.CreateModel(
            name='Contract',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=60, verbose_name='合同编号')),
                ('title', models.CharField(help_text='例如“2023-2024年度合同”“2024年8-12月合同”。', max_length=100, verbose_name='合同名称')),
                ('signed_on', models.DateField(validators=[django.core.validators.MinValueValidator(datetime.date(2000, 1, 1), message='日期应在 2000 年至 2100 年之间。'), django.core.validators.MaxValueValidator(datetime.date(2100, 12, 31), message='日期应在 2000 年至 2100 年之间。')], verbose_name='签订日期')),
                ('start', models.DateField(validators=[django.core.validators.MinValueValidator(datetime.date(2000, 1, 1), message='日期应在 2000 年至 2100 年之间。'), django.core.validators.MaxValueValidator(datetime.date(2100, 12, 31), message='日期应在 2000 年至 2100 年之间。')], verbose_name='服务期起')),
                ('end', models.DateField(validators=[django.core.validators.MinValueValidator(datetime.date(2000, 1, 1), message='日期应在 2000 年至 2100 年之间。'), django.core.validators.MaxValueValidator(datetime.date(2100, 12, 31), message='日期应在 2000 年至 2100 年之间。')], verbose_name='服务期止')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.01'), message='金额必须大于 0。')], verbose_name='合同金额（元）')),
                ('continuing_service', models.BooleanField(default=False, help_text='政府采购法实施条例：合同期一般不超过 1 年，持续性服务不超过 3 年。', verbose_name='持续性服务')),
                ('social_workers_senior', models.PositiveSmallIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(999, message='每个等级的社工人数不能超过 999 人，请核对。')], verbose_name='高级社工师（人）')),
                ('social_workers_intermediate', models.PositiveSmallIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(999, message='每个等级的社工人数不能超过 999 人，请核对。')], verbose_name='中级社工师（人）')),
                ('social_workers_assistant', models.PositiveSmallIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(999, message='每个等级的社工人数不能超过 999 人，请核对。')], verbose_name='助理社工师（人）')),
                ('supervision_hours', models.PositiveIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(100000, message='督导时数不能超过 100000 小时，请核对。')], verbose_name='督导时数（小时）')),
                ('terminated_on', models.DateField(blank=True, null=True, verbose_name='终止日期')),
                ('termination_reason', models.TextField(blank=True, verbose_name='终止原因')),
                ('award', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='contracts', to='contracts.award', verbose_name='中标')),
                ('bureau', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='contracts', to='accounts.bureau', verbose_name='购买单位')),
                ('owner', models.ForeignKey(blank=True, help_text='业务科室的经办人；付款与资料提醒发给他。', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='owned_contracts', to=settings.AUTH_USER_MODEL, verbose_name='经办人')),
                ('payment_term_days', models.PositiveSmallIntegerField(blank=True, help_text='验收（审批）后多少天内付款；留空按本单位提醒设置（默认 30 天）。《保障中小企业款项支付条例》：合同另有约定的不超过 60 日。', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)], verbose_name='付款期限（天）')),
            ],
            options={
                'verbose_name': '合同',
                'verbose_name_plural': '合同',
                'ordering': ['-start', 'number'],
                'indexes': [models.Index(fields=['bureau', 'start', 'end'], name='contract_period_idx')],
                'constraints': [models.UniqueConstraint(fields=('bureau', 'number'), name='contract_unique_number_per_bureau', violation_error_message='本单位已有相同编号的合同。'), models.CheckConstraint(condition=models.Q(('start__lt', models.F('end'))), name='contract_start_before_end', violation_error_message='服务期止必须晚于服务期起。'), models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='contract_amount_positive', violation_error_message='合同金额必须大于 0。'), models.CheckConstraint(condition=models.Q(('terminated_on__isnull', True), models.Q(('termination_reason', ''), _negated=True), _connector='OR'), name='contract_termination_has_reason', violation_error_message='终止合同须填写终止原因。')],
            },
        ),
        migrations.CreateModel(
            name='ContractAttachment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=100, verbose_name='附件名称')),
                ('file', models.FileField(upload_to=contracts.models.attachment_path, validators=[django.core.validators.FileExtensionValidator(['pdf'])], verbose_name='文件（PDF）')),
                ('uploaded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='上传时间')),
                ('contract', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attachments', to='contracts.contract', verbose_name='合同')),
                ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL, verbose_name='上传人')),
            ],
            options={
                'verbose_name': '合同附件',
                'verbose_name_plural': '合同附件',
                'ordering': ['-uploaded_at'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalContract',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('number', models.CharField(max_length=60, verbose_name='合同编号')),
                ('title', models.CharField(help_text='例如“2023-2024年度合同”“2024年8-12月合同”。', max_length=100, verbose_name='合同名称')),
                ('signed_on', models.DateField(validators=[django.core.validators.MinValueValidator(datetime.date(2000, 1, 1), message='日期应在 2000 年至 2100 年之间。'), django.core.validators.MaxValueValidator(datetime.date(2100, 12, 31), message='日期应在 2000 年至 2100 年之间。')], verbose_name='签订日期')),
                ('start', models.DateField(validators=[django.core.validators.MinValueValidator(datetime.date(2000, 1, 1), message='日期应在 2000 年至 2100 年之间。'), django.core.validators.MaxValueValidator(datetime.date(2100, 12, 31), message='日期应在 2000 年至 2100 年之间。')], verbose_name='服务期起')),
                ('end', models.DateField(validators=[django.core.validators.MinValueValidator(datetime.date(2000, 1, 1), message='日期应在 2000 年至 2100 年之间。'), django.core.validators.MaxValueValidator(datetime.date(2100, 12, 31), message='日期应在 2000 年至 2100 年之间。')], verbose_name='服务期止')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.01'), message='金额必须大于 0。')], verbose_name='合同金额（元）')),
                ('continuing_service', models.BooleanField(default=False, help_text='政府采购法实施条例：合同期一般不超过 1 年，持续性服务不超过 3 年。', verbose_name='持续性服务')),
                ('social_workers_senior', models.PositiveSmallIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(999, message='每个等级的社工人数不能超过 999 人，请核对。')], verbose_name='高级社工师（人）')),
                ('social_workers_intermediate', models.PositiveSmallIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(999, message='每个等级的社工人数不能超过 999 人，请核对。')], verbose_name='中级社工师（人）')),
                ('social_workers_assistant', models.PositiveSmallIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(999, message='每个等级的社工人数不能超过 999 人，请核对。')], verbose_name='助理社工师（人）')),
                ('supervision_hours', models.PositiveIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(100000, message='督导时数不能超过 100000 小时，请核对。')], verbose_name='督导时数（小时）')),
                ('terminated_on', models.DateField(blank=True, null=True, verbose_name='终止日期')),
                ('termination_reason', models.TextField(blank=True, verbose_name='终止原因')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('award', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='contracts.award', verbose_name='中标')),
                ('bureau', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.bureau', verbose_name='购买单位')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('owner', models.ForeignKey(blank=True, db_constraint=False, help_text='业务科室的经办人；付款与资料提醒发给他。', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='经办人')),
                ('payment_term_days', models.PositiveSmallIntegerField(blank=True, help_text='验收（审批）后多少天内付款；留空按本单位提醒设置（默认 30 天）。《保障中小企业款项支付条例》：合同另有约定的不超过 60 日。', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)], verbose_name='付款期限（天）')),
            ],
            options={
                'verbose_name': 'historical 合同',
                'verbose_name_plural': 'historical 合同',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalContractAttachment',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('title', models.CharField(max_length=100, verbose_name='附件名称')),
                ('file', models.TextField(max_length=100, validators=[django.core.validators.FileExtensionValidator(['pdf'])], verbose_name='文件（PDF）')),
                ('uploaded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='上传时间')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('contract', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='contracts.contract', verbose_name='合同')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('uploaded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='上传人')),
            ],
            options={
                'verbose_name': 'historical 合同附件',
                'verbose_name_plural': 'historical 合同附件',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalAward',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('procurement_method', models.CharField(choices=[('open_tender', '公开招标'), ('invited_tender', '邀请招标'), ('negotiation', '竞争性谈判'), ('consultation', '竞争性磋商'), ('single_source', '单一来源'), ('inquiry', '询价'), ('framework', '框架协议')], max_length=20, verbose_name='采购方式')),
                ('award_date', models.DateField(validators=[django.core.validators.MinValueValidator(datetime.date(2000, 1, 1), message='日期应在 2000 年至 2100 年之间。'), django.core.validators.MaxValueValidator(datetime.date(2100, 12, 31), message='日期应在 2000 年至 2100 年之间。')], verbose_name='中标日期')),
                ('term_start', models.DateField(help_text='中标服务期的第一天；结束日期按中标期月数推算。', validators=[django.core.validators.MinValueValidator(datetime.date(2000, 1, 1), message='日期应在 2000 年至 2100 年之间。'), django.core.validators.MaxValueValidator(datetime.date(2100, 12, 31), message='日期应在 2000 年至 2100 年之间。')], verbose_name='中标期起')),
                ('term_months', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(120, message='中标期不能超过 120 个月。')], verbose_name='中标期（月）')),
                ('annual_amount', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.01'), message='金额必须大于 0。')], verbose_name='中标金额（元/年）')),
                ('notice_number', models.CharField(blank=True, max_length=60, verbose_name='中标公告编号')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('project', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='contracts.project', verbose_name='服务项目')),
                ('provider', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='contracts.provider', verbose_name='中标机构')),
            ],
            options={
                'verbose_name': 'historical 中标',
                'verbose_name_plural': 'historical 中标',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
    ]
