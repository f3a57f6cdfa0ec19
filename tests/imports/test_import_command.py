"""``manage.py import_workbook``: counts per sheet, each problem as ``sheet!row 列名：message``,
exit 1 with nothing written on any problem; every bad file refused the same way."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command

from accounts.roles import Role
from contracts.models import Provider
from imports import workbook as fmt
from payments.models import Installment, InstallmentTransition, Payment
from tests.factories import ContractFactory, ProviderFactory
from tests.imports import books

APPS = ("contracts", "payments", "evaluations", "imports")


@pytest.fixture(scope="module")
def valid():
    return books.valid_sheets()


@pytest.fixture(scope="module")
def valid_book(valid):
    return books.xlsx(valid)


@pytest.fixture
def finance(bureau, make_user):
    make_user(Role.STAFF, bureau, "imp-staff")
    return make_user(Role.FINANCE, bureau, "imp-finance")


def table_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for label in APPS
        for model in apps.get_app_config(label).get_models()
    }


def run(tmp_path, data: bytes, bureau, *, name="台账.xlsx", extra=()):
    path = tmp_path / name
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command(
            "import_workbook", str(path), "--bureau", bureau.name, *extra, stdout=out, stderr=err
        )
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_a_valid_workbook_imports_with_counts_and_history(tmp_path, bureau, finance, valid_book):
    code, out, err = run(tmp_path, valid_book, bureau)
    assert (code, err) == (0, "")
    assert "  合同：新增 1，更新 0，不变 0" in out
    assert "  分期：新增 2，更新 0，不变 0" in out
    assert "  支付：新增 2，更新 0，不变 0" in out
    assert "  冲销：新增 1，更新 0，不变 0" in out
    first = Installment.objects.get(contract__number="IMP-2024-01", number=1)
    assert first.status == Installment.Status.PAID
    assert first.approved_on.isoformat() == "2024-03-20"
    # Paid, reversed and paid again, in business-date order across the two sheets.
    assert list(
        Payment.objects.filter(installment=first).values_list("voucher_number", "amount")
    ) == [
        ("IMP-V-001", Decimal("40000.00")),
        ("IMP-V-002", Decimal("-40000.00")),
        ("IMP-V-003", Decimal("40000.00")),
    ]
    # The import (file, row) is the reason in history, and every step is the importer's.
    approval = first.history.filter(status=Installment.Status.APPROVED).earliest("history_id")
    assert "导入 台账.xlsx 分期!2" in approval.history_change_reason
    assert set(InstallmentTransition.objects.values_list("actor__username", flat=True)) == {
        "imp-finance"
    }
    # The same file again: all unchanged, nothing written.
    before = table_counts()
    code, out, err = run(tmp_path, valid_book, bureau)
    assert (code, err) == (0, "")
    assert "  支付：新增 0，更新 0，不变 2" in out
    after = table_counts()
    after["imports.ImportRun"] -= 1  # the import history names the second import too
    assert after == before


def test_four_eyes_does_not_refuse_imported_history(tmp_path, bureau, finance, valid_book):
    bureau.four_eyes = True
    bureau.approval_threshold = Decimal("1000.00")
    bureau.save()
    code, _out, err = run(tmp_path, valid_book, bureau)
    assert (code, err) == (0, "")


def test_four_eyes_holds_for_a_step_dated_today(tmp_path, bureau, finance, valid):
    """Only history passes the rule: an approval and a payment dated today are live
    decisions, and one person cannot make both through a workbook."""
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    bureau.four_eyes = True
    bureau.save()
    sheets = {**valid, "冲销": []}
    sheets["分期"] = [[*valid["分期"][0][:5], today], valid["分期"][1]]
    sheets["支付"] = [["IMP-V-001", "IMP-2024-01", 1, today, "40000.00"]]
    before = table_counts()
    code, _out, err = run(tmp_path, books.xlsx(sheets), bureau)
    assert code == 1
    assert "分期!2 " in err and "四眼原则" in err
    assert table_counts() == before


def test_a_closed_year_still_refuses(tmp_path, bureau, finance, valid_book):
    from payments.models import FiscalYearClosing

    FiscalYearClosing.objects.create(bureau=bureau, year=2024, closed_by=finance)
    before = table_counts()
    code, _out, err = run(tmp_path, valid_book, bureau)
    assert code == 1
    assert "预算!2 日期：2024 年度已结账" in err
    assert "2024 年度已结账" in err
    assert table_counts() == before


def test_dry_run_writes_nothing(tmp_path, bureau, finance, valid_book):
    before = table_counts()
    code, out, err = run(tmp_path, valid_book, bureau, extra=("--dry-run",))
    assert (code, err) == (0, "")
    assert "  支付：新增 2，更新 0，不变 0" in out and "试运行" in out
    assert table_counts() == before


def test_a_named_user_enters_it(tmp_path, bureau, finance, valid_book):
    code, _out, _err = run(tmp_path, valid_book, bureau, extra=("--user", "imp-staff"))
    # 业务科室 may not enter budgets or payments: refused, nothing written.
    assert code == 1
    assert Provider.objects.count() == 0


def _spoil(valid, sheet, row, column, value):
    sheets = {name: [list(r) for r in rows] for name, rows in valid.items()}
    index = [c.header for c in fmt.BY_NAME[sheet].columns].index(column)
    sheets[sheet][row][index] = value
    return sheets


BAD_CELLS = [
    ("支付", 0, "金额（元）", "四万元", "支付!2 金额（元）：金额应为数字（以元为单位）。"),
    ("支付", 0, "支付日期", "2024-02-30", "支付!2 支付日期：日期不存在。"),
    ("支付", 0, "金额（元）", "-40000", "支付!2 金额（元）：金额不能为负数。"),
    ("支付", 0, "金额（元）", "40000.001", "支付!2 金额（元）：金额最多两位小数（以元为单位）。"),
    ("服务机构", 0, "统一社会信用代码", books.CODE[:-1] + "0", "服务机构!2 统一社会信用代码："),
    ("服务项目", 0, "服务领域", "社会服务", "服务项目!2 服务领域：应为以下之一："),
    ("分期", 1, "期次", 1, "分期!3 合同编号：合同编号、期次与第 2 行重复。"),
    ("支付", 1, "凭证号", "IMP-V-001", "支付!3 凭证号：凭证号与第 2 行重复。"),
]


@pytest.mark.parametrize(("sheet", "row", "column", "value", "message"), BAD_CELLS)
def test_each_bad_cell_is_named_and_nothing_is_written(
    tmp_path, bureau, finance, valid, sheet, row, column, value, message
):
    before = table_counts()
    code, _out, err = run(tmp_path, books.xlsx(_spoil(valid, sheet, row, column, value)), bureau)
    assert code == 1
    assert message in err
    assert "未写入任何记录" in err
    assert table_counts() == before


def test_a_schedule_must_add_up_and_a_posted_payment_cannot_change(
    tmp_path, bureau, finance, valid, valid_book
):
    code, _out, err = run(
        tmp_path, books.xlsx(_spoil(valid, "分期", 1, "金额（元）", "50000")), bureau
    )
    assert code == 1 and "分期!2 合同编号：各期金额合计 90,000.00 元" in err
    assert run(tmp_path, valid_book, bureau)[0] == 0
    before = table_counts()
    code, _out, err = run(
        tmp_path, books.xlsx(_spoil(valid, "支付", 1, "金额（元）", "39000.00")), bureau
    )
    assert code == 1
    assert "支付!3 凭证号：凭证号 IMP-V-003 的支付已过账，不能修改" in err
    assert table_counts() == before


def test_a_reference_to_another_bureaus_record_is_refused(
    tmp_path, bureau, finance, other_bureau, valid
):
    ContractFactory(award__project__bureau=other_bureau, number="OTHER-01")
    sheets = {"支付": [["X-1", "OTHER-01", 1, "2024-03-25", "1.00"]]}
    before = table_counts()
    code, _out, err = run(tmp_path, books.xlsx(sheets), bureau)
    assert code == 1
    assert "支付!2 合同编号：合同“OTHER-01”属于其他单位，不能引用。" in err
    assert table_counts() == before
    sheets = {
        "合同": [["N-1", "别人的项目", books.CODE, "2024-01-10", "2024-01-15", "2024-12-31", "1"]]
    }
    ProviderFactory(bureau=other_bureau, credit_code=books.OTHER_CODE)
    code, _out, err = run(tmp_path, books.xlsx(sheets), bureau)
    assert "合同!2 项目名称：找不到服务项目“别人的项目”：本单位没有，本文件中也没有。" in err


def test_formulas_give_their_cached_value_or_are_refused(tmp_path, bureau, finance, valid):
    sheets = _spoil(valid, "合同", 0, "合同金额（元）", "=40000+60000")
    before = table_counts()
    code, _out, err = run(tmp_path, books.xlsx(sheets), bureau)
    assert code == 1
    assert "合同!2 合同金额（元）：单元格是公式且没有计算结果" in err
    assert table_counts() == before
    cached = books.with_cached_values(books.xlsx(sheets), {"40000+60000": "100000"})
    code, _out, err = run(tmp_path, cached, bureau)
    assert (code, err) == (0, "")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bad_files(valid_book):
    book = zipfile.ZipFile(io.BytesIO(valid_book))
    members = {name: book.read(name) for name in book.namelist()}
    return {
        "not a workbook": ("说明.txt", b"just text", "只能导入 .xlsx 工作簿或 .csv 文件。"),
        "macro": (
            "台账.xlsx",
            _zip({**members, "xl/vbaProject.bin": b"\0" * 100}),
            "不接受含宏的工作簿",
        ),
        "xlsm": ("台账.xlsm", valid_book, "不接受含宏的工作簿"),
        "encrypted": (
            "台账.xlsx",
            books_ole(),
            "文件已加密",
        ),
        "old xls": ("台账.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版 Excel"),
        "zip bomb": (
            "台账.xlsx",
            _zip({**members, "xl/media/big.bin": b"\0" * (30 * 1024 * 1024)}),
            "疑似压缩炸弹",
        ),
        "broken": ("台账.xlsx", valid_book[:2000], "文件已损坏"),
        "misspelled sheet": (
            "台账.xlsx",
            books.xlsx({"支附": [["V", "C", 1, "2024-01-01", "1"]]}),
            "支附：无法识别的工作表名称“支附”，是否应为“支付”？",
        ),
        "missing header": (
            "台账.xlsx",
            books.xlsx(
                {"支付": [["V", "C", 1, "2024-01-01"]]},
                headers={"支付": ["凭证号*", "合同编号*", "期次*", "支付日期*"]},
            ),
            "支付!1 金额（元）：缺少必填列",
        ),
    }


def books_ole() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512 + "EncryptionInfo".encode("utf-16-le")


@pytest.mark.parametrize(
    "kind",
    [
        "not a workbook",
        "macro",
        "xlsm",
        "encrypted",
        "old xls",
        "zip bomb",
        "broken",
        "misspelled sheet",
        "missing header",
    ],
)
def test_each_bad_file_is_refused_and_nothing_is_written(
    tmp_path, bureau, finance, bad_files, kind
):
    name, data, message = bad_files[kind]
    before = table_counts()
    code, _out, err = run(tmp_path, data, bureau, name=name)
    assert code == 1
    assert message in err
    assert table_counts() == before


def test_a_file_over_20_mb_is_refused_before_it_is_read(tmp_path, bureau, finance):
    path = tmp_path / "大文件.xlsx"
    with path.open("wb") as handle:
        handle.truncate(fmt.MAX_FILE_BYTES + 1)
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import_workbook", str(path), "--bureau", bureau.name, stderr=err)
    assert exit_.value.code == 1
    assert "超过 20 MB 的上限" in err.getvalue()


def test_more_rows_than_the_limit_are_refused(tmp_path, bureau, finance, monkeypatch):
    monkeypatch.setattr(fmt, "MAX_ROWS", 3)
    rows = [[f"V{n}", "C", 1, "2024-01-01", "1"] for n in range(5)]
    before = table_counts()
    code, _out, err = run(tmp_path, books.xlsx({"支付": rows}), bureau)
    assert code == 1
    assert "文件超过 200000 行的上限" in err
    assert table_counts() == before


def test_a_csv_named_after_its_sheet_imports(tmp_path, bureau, finance):
    text = "名称*,统一社会信用代码*\n导入测试社工服务中心," + books.CODE + "\n"
    code, out, err = run(tmp_path, text.encode("utf-8-sig"), bureau, name="服务机构.csv")
    assert (code, err) == (0, "")
    assert "  服务机构：新增 1，更新 0，不变 0" in out
    code, _out, err = run(tmp_path, text.encode("gb18030"), bureau, name="服务机构.csv")
    assert code == 0 and Provider.objects.count() == 1


def test_an_edited_file_updates_what_may_change(tmp_path, bureau, finance, valid, valid_book):
    assert run(tmp_path, valid_book, bureau)[0] == 0
    sheets = _spoil(valid, "服务机构", 0, "联系电话", "0755-99999999")
    sheets = _spoil(sheets, "分期", 1, "应付日期", "2024-10-31")
    code, out, err = run(tmp_path, books.xlsx(sheets), bureau)
    assert (code, err) == (0, "")
    assert "  服务机构：新增 0，更新 1，不变 0" in out
    assert "  分期：新增 0，更新 1，不变 1" in out
    assert Provider.objects.get().phone == "0755-99999999"
    second = Installment.objects.get(number=2)
    assert second.due_date.isoformat() == "2024-10-31"
    assert "导入 台账.xlsx 分期!2" in second.history.latest().history_change_reason
    # The approved, paid first installment cannot move: the refusal is named.
    sheets = _spoil(valid, "分期", 0, "应付日期", "2024-04-30")
    code, _out, err = run(tmp_path, books.xlsx(sheets), bureau)
    assert code == 1
    # (payments says 已 twice here: its message puts 已 before a status that has one.)
    assert "分期!2 合同编号：第一期 当前为“已支付”，不能修改或删除。" in err
