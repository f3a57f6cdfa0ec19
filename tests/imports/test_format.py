"""The workbook's format is written once (imports/workbook.py); the README shows it."""

from pathlib import Path

from imports import workbook as fmt

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_documents_the_format_as_declared():
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- import-format")
    body = text[text.index("\n", start) + 1 : text.index("<!-- /import-format -->")]
    assert body.strip() == fmt.format_markdown()


def test_every_sheet_of_the_issue_in_order():
    assert [s.name for s in fmt.SHEETS] == [
        "服务机构",
        "服务项目",
        "中标",
        "合同",
        "分期",
        "预算",
        "审计评估",
        "付款资料",
        "扣减",
        "支付",
        "冲销",
    ]
