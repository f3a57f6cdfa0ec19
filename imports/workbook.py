"""The import workbook, declared once: its sheets, their columns and keys, in order.

The template (template.py), the reader and its cell checks (reader.py, cells.py), the
exporter (export.py) and the README's description all read these declarations, so the
format is written in one place. The format is public: a bureau fills it in Excel or WPS.

A sheet is a *register* sheet (业务科室 imports it) or a *money* sheet (财务 imports it).
Every sheet may be absent or empty; extra columns are ignored; a row whose first cell
starts with :data:`EXAMPLE_MARK` is the template's example and is skipped.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

EXAMPLE_MARK = "【示例】"
GUIDE_SHEET = "说明"

# Limits of an uploaded file (checked before and while reading it).
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# A zip whose members would inflate beyond this, or by more than this ratio, is refused
# as a zip bomb before any XML is parsed.
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200

# Cell kinds (cells.py parses each).
TEXT, CODE, DATE, MONEY, INT, CHOICE, NAMES = (
    "text",
    "code",
    "date",
    "money",
    "int",
    "choice",
    "names",
)


@dataclass(frozen=True)
class Column:
    """One column: its Chinese header, the key the row's dict uses, its kind."""

    header: str
    key: str
    kind: str = TEXT
    required: bool = False
    choices: tuple[str, ...] = ()  # the labels a choice column accepts
    note: str = ""
    allow_negative: bool = False

    @property
    def title(self) -> str:
        return f"{self.header}*" if self.required else self.header


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # the column keys that identify a row's record
    money: bool = False  # 财务's sheet; else 业务科室's
    note: str = ""
    example: tuple = field(default=(), compare=False)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


SERVICE_FIELDS = (
    "社会福利",
    "社会救助",
    "慈善事业",
    "社区建设",
    "婚姻家庭",
    "精神卫生",
    "残障康复",
    "教育辅导",
    "就业援助",
    "职工帮扶",
    "犯罪预防",
    "禁毒戒毒",
    "矫治帮教",
    "卫生健康",
    "纠纷调解",
    "应急处置",
)
PROCUREMENT_METHODS = (
    "公开招标",
    "邀请招标",
    "竞争性谈判",
    "竞争性磋商",
    "单一来源",
    "询价",
    "框架协议",
)
BUDGET_KINDS = ("年初预算", "指标下达", "追加", "调减", "收回")
AUDIT_KINDS = ("专项审计", "质量评估")

PROVIDERS = Sheet(
    "服务机构",
    (
        Column("名称", "name", required=True),
        Column("统一社会信用代码", "credit_code", CODE, required=True),
        Column("联系人", "contact_person"),
        Column("联系电话", "phone"),
        Column("电子邮箱", "email"),
    ),
    key=("credit_code",),
    example=("【示例】深圳市某某社工服务中心", "52440300MJ0000009Y", "张主任", "0755-00000000", ""),
)
PROJECTS = Sheet(
    "服务项目",
    (
        Column("项目名称", "name", required=True),
        Column("服务领域", "service_field", CHOICE, required=True, choices=SERVICE_FIELDS),
        Column("项目负责人", "owner", note="本单位用户的用户名"),
        Column("服务科室", "department"),
    ),
    key=("name",),
    example=("【示例】某某社工服务项目", "社会福利", "", ""),
)
AWARDS = Sheet(
    "中标",
    (
        Column("项目名称", "project", required=True),
        Column("统一社会信用代码", "credit_code", CODE, required=True),
        Column("中标日期", "award_date", DATE, required=True),
        Column("服务期限（月）", "term_months", INT, required=True),
        Column("年度金额（元）", "annual_amount", MONEY, required=True),
        Column("采购方式", "procurement_method", CHOICE, choices=PROCUREMENT_METHODS),
        Column("中标期起", "term_start", DATE, note="留空为中标日期"),
        Column("中标公告编号", "notice_number"),
    ),
    key=("project", "credit_code", "award_date"),
    example=("【示例】某某社工服务项目", "52440300MJ0000009Y", "2024-01-01", 12, "100000.00"),
)
CONTRACTS = Sheet(
    "合同",
    (
        Column("合同编号", "number", required=True),
        Column("项目名称", "project", required=True),
        Column("统一社会信用代码", "credit_code", CODE, required=True),
        Column("签订日期", "signed_on", DATE, required=True),
        Column("开始日期", "start", DATE, required=True),
        Column("结束日期", "end", DATE, required=True),
        Column("合同金额（元）", "amount", MONEY, required=True),
        Column("合同名称", "title", note="留空为合同编号"),
    ),
    key=("number",),
    example=(
        "【示例】HT-2024-001",
        "某某社工服务项目",
        "52440300MJ0000009Y",
        "2024-01-01",
        "2024-01-01",
        "2024-12-31",
        "100000.00",
    ),
)
INSTALLMENTS = Sheet(
    "分期",
    (
        Column("合同编号", "contract", required=True),
        Column("期次", "number", INT, required=True),
        Column("金额（元）", "amount", MONEY, required=True),
        Column("应付日期", "due_date", DATE, required=True),
        Column("应交资料", "documents", NAMES, note="多个资料以“、”分隔；留空为发票、服务报告"),
        Column("审批日期", "approved_on", DATE),
        Column("资料截止日期", "documents_due", DATE, note="留空为应付日期前 15 天"),
    ),
    key=("contract", "number"),
    money=True,
    note="同一合同各期金额之和必须等于合同金额。",
    example=("【示例】HT-2024-001", 1, "100000.00", "2024-06-30", "发票、服务报告", ""),
)
BUDGETS = Sheet(
    "预算",
    (
        Column("项目名称", "project", required=True),
        Column("年度", "year", INT, required=True),
        Column("日期", "dated_on", DATE, required=True),
        Column("类型", "kind", CHOICE, required=True, choices=BUDGET_KINDS),
        Column("金额（元）", "amount", MONEY, required=True),
        Column("文号", "document_number"),
        Column("说明", "reason"),
    ),
    money=True,
    example=(
        "【示例】某某社工服务项目",
        2024,
        "2024-01-01",
        "年初预算",
        "100000.00",
        "某财预〔2024〕1号",
    ),
)
AUDITS = Sheet(
    "审计评估",
    (
        Column("报告编号", "report_number", required=True),
        Column("类型", "kind", CHOICE, required=True, choices=AUDIT_KINDS),
        Column("机构", "firm", required=True),
        Column("年度", "year", INT, required=True),
        Column("报告日期", "closed_on", DATE, required=True),
        Column("结论", "findings"),
        Column("项目名称", "project"),
        Column("开始日期", "started_on", DATE, note="留空为报告日期"),
        Column("评估得分", "score", MONEY),
        Column("评估等级", "grade"),
        Column("满意度", "satisfaction"),
    ),
    key=("report_number",),
    example=("【示例】某审字〔2024〕第1号", "专项审计", "某某会计师事务所", 2024, "2024-10-31"),
)
DOCUMENTS = Sheet(
    "付款资料",
    (
        Column("合同编号", "contract", required=True),
        Column("期次", "installment", INT, required=True),
        Column("资料名称", "name", required=True),
        Column("收到日期", "received_on", DATE, required=True),
    ),
    key=("contract", "installment", "name"),
    money=True,
    example=("【示例】HT-2024-001", 1, "发票", "2024-06-15"),
)
DEDUCTIONS = Sheet(
    "扣减",
    (
        Column("合同编号", "contract", required=True),
        Column("期次", "installment", INT, required=True),
        Column("报告编号", "report_number", required=True),
        Column("日期", "decided_on", DATE, required=True),
        Column("金额（元）", "amount", MONEY, required=True),
        Column("原因", "reason", required=True),
    ),
    key=("contract", "installment", "report_number", "decided_on", "amount"),
    money=True,
    example=("【示例】HT-2024-001", 1, "某审字〔2024〕第1号", "2024-11-15", "1000.00", "审计扣减"),
)
PAYMENTS = Sheet(
    "支付",
    (
        Column("凭证号", "voucher_number", required=True),
        Column("合同编号", "contract", required=True),
        Column("期次", "installment", INT, required=True),
        Column("支付日期", "paid_on", DATE, required=True),
        Column("金额（元）", "amount", MONEY, required=True),
    ),
    key=("voucher_number",),
    money=True,
    note="已过账的支付不能修改；如有错误，请在“冲销”表登记冲销后重新支付。",
    example=("【示例】记-2024-001", "HT-2024-001", 1, "2024-06-30", "99000.00"),
)
REVERSALS = Sheet(
    "冲销",
    (
        Column("冲销凭证号", "voucher_number", required=True),
        Column("原凭证号", "original", required=True),
        Column("冲销日期", "reversed_on", DATE, required=True),
        Column("原因", "reason", required=True),
    ),
    key=("voucher_number",),
    money=True,
    example=("【示例】记-2024-002", "记-2024-001", "2024-07-01", "金额录错"),
)

SHEETS: tuple[Sheet, ...] = (
    PROVIDERS,
    PROJECTS,
    AWARDS,
    CONTRACTS,
    INSTALLMENTS,
    BUDGETS,
    AUDITS,
    DOCUMENTS,
    DEDUCTIONS,
    PAYMENTS,
    REVERSALS,
)
BY_NAME = {sheet.name: sheet for sheet in SHEETS}

GUIDE = [
    _("本工作簿用于将本单位已有的服务机构、项目、合同、分期、预算、付款等记录一次导入系统。"),
    _("工作表顺序与名称不可更改；表头带 * 的列为必填；可增加其他列，导入时忽略。"),
    _("金额以元为单位，最多两位小数；日期为 Excel 日期或 YYYY-MM-DD 文本。"),
    _("每张表的第一行示例（以“【示例】”开头）导入时会跳过，可删除。"),
    _("各行可引用系统中本单位已有的记录，或本文件中的记录。"),
    _("预算、付款资料、扣减、支付、冲销及分期的审批日期按业务日期先后依次登记。"),
    _("任何一行有问题时整个文件都不会导入；同一文件重复导入不会重复登记。"),
    _("已过账的支付不能修改；如有错误，请在“冲销”表登记冲销后重新支付。"),
]


def format_markdown() -> str:
    """The format as the README documents it (kept in step by a test)."""
    lines = []
    for sheet in SHEETS:
        columns = ", ".join(c.title for c in sheet.columns)
        key = " + ".join(sheet.column(k).header for k in sheet.key)
        owner = "财务" if sheet.money else "业务科室"
        lines.append(f"- **{sheet.name}** ({owner}): {columns}." + (f" Key: {key}." if key else ""))
    return "\n".join(lines)
