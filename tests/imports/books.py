"""Workbooks built in memory for the import tests: a small valid bureau's books, and
helpers to spoil them one way at a time."""

import io
import zipfile

from openpyxl import Workbook

from imports import workbook as fmt
from tests.factories import credit_code

CODE = credit_code(901)
OTHER_CODE = credit_code(902)
PROJECT = "导入测试社工服务项目"


def valid_sheets() -> dict[str, list[list]]:
    """A provider, project, award and contract of 100,000 yuan in two installments,
    the first approved and paid, a budget, a payment reversed and paid again."""
    return {
        "服务机构": [["导入测试社工服务中心", CODE, "张主任", "0755-1", ""]],
        "服务项目": [[PROJECT, "社会福利", "", "社会事务科"]],
        "中标": [[PROJECT, CODE, "2024-01-05", 12, "100000.00", "公开招标"]],
        "合同": [
            ["IMP-2024-01", PROJECT, CODE, "2024-01-10", "2024-01-15", "2024-12-31", "100000.00"]
        ],
        "分期": [
            ["IMP-2024-01", 1, "40000.00", "2024-03-31", "发票、服务报告", "2024-03-20"],
            ["IMP-2024-01", 2, "60000.00", "2024-09-30", "", ""],
        ],
        "预算": [
            [PROJECT, 2024, "2024-01-02", "年初预算", "100000.00", "财预〔2024〕1号", ""],
            [PROJECT, 2024, "2024-01-03", "指标下达", "100000.00", "财预〔2024〕2号", ""],
        ],
        "付款资料": [
            ["IMP-2024-01", 1, "发票", "2024-03-10"],
            ["IMP-2024-01", 1, "服务报告", "2024-03-12"],
        ],
        "支付": [
            ["IMP-V-001", "IMP-2024-01", 1, "2024-03-25", "40000.00"],
            ["IMP-V-003", "IMP-2024-01", 1, "2024-04-02", "40000.00"],
        ],
        "冲销": [["IMP-V-002", "IMP-V-001", "2024-04-01", "收款账户错误"]],
    }


def xlsx(sheets: dict[str, list[list]], *, headers: dict[str, list] | None = None) -> bytes:
    """An .xlsx of ``sheets`` (name → rows), each under its template header unless
    ``headers`` gives another."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        known = fmt.BY_NAME.get(name)
        header = (headers or {}).get(name) or (
            [c.title for c in known.columns] if known else ["列"]
        )
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_cached_values(data: bytes, values: dict[str, str]) -> bytes:
    """The workbook with each formula given a cached value, as Excel saves it
    (``values``: formula text → the value Excel computed)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            for formula, value in values.items():
                content = content.replace(
                    f"<f>{formula}</f><v></v>".encode(), f"<f>{formula}</f><v>{value}</v>".encode()
                ).replace(
                    f"<f>{formula}</f><v/>".encode(), f"<f>{formula}</f><v>{value}</v>".encode()
                )
            target.writestr(item, content)
    return out.getvalue()
