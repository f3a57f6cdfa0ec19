"""The payment approval form (付款审批单) as a file: a Word document built with
python-docx from :func:`payments.selectors.approval_form`, and that document converted to
PDF by LibreOffice (``soffice --headless``), as the evaluation report is checked.

The HTML page (payments/approval_form.html) is the same form with a print stylesheet;
the PDF is for filing and for bureaus that print from a PDF reader.
"""

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _

PDF_TIMEOUT = 120


class PdfUnavailable(Exception):
    """LibreOffice is not installed, or did not convert the form."""


def _yuan(value) -> str:
    return f"{value:,.2f}"


def approval_docx(form: dict) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Noto Serif CJK SC"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    installment, contract, provider = form["installment"], form["contract"], form["provider"]
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(_("付款审批单"))
    run.bold = True
    run.font.size = Pt(18)
    document.add_paragraph(form["bureau"].name).alignment = WD_ALIGN_PARAGRAPH.CENTER

    rows = [
        (_("合同"), f"{contract.number} {contract.title}"),
        (_("服务项目"), form["project"].name),
        (_("收款单位"), provider.name),
        (_("开户银行"), provider.bank_name or "—"),
        (_("账户名称"), provider.name),
        (_("银行账号"), provider.bank_account or "—"),
        (_("期次"), installment.label),
        (_("应付日期"), installment.due_date.isoformat()),
        (_("计划金额（元）"), _yuan(form["planned"])),
        (_("扣减金额（元）"), _yuan(form["deducted"])),
        (_("本期应付金额（小写）"), "¥" + _yuan(form["net_payable"])),
        (_("本期应付金额（大写）"), form["net_payable_capitals"]),
    ]
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = str(label), str(value)

    document.add_paragraph(_("扣减明细")).runs[0].bold = True
    if form["deductions"]:
        table = document.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells,
            (_("日期"), _("依据报告"), _("金额（元）"), _("原因")),
            strict=True,
        ):
            cell.text = str(text)
        for deduction in form["deductions"]:
            cells = table.add_row().cells
            cells[0].text = deduction.decided_on.isoformat()
            cells[1].text = (
                f"{deduction.audit.firm} {deduction.audit.report_number}".strip()
                if deduction.audit_id
                else deduction.basis
            )
            cells[2].text = _yuan(deduction.amount)
            cells[3].text = deduction.reason
    else:
        document.add_paragraph(_("无"))

    document.add_paragraph(_("已接收资料")).runs[0].bold = True
    for item in form["documents"]:
        document.add_paragraph(
            _("%(title)s，%(date)s 接收") % {"title": item.title, "date": item.received_on},
            style="List Bullet",
        )
    if not form["documents"]:
        document.add_paragraph(_("无"))

    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, move in ((_("审核"), form["reviewed"]), (_("审批"), form["approved"])):
        cells = table.add_row().cells
        cells[0].text = str(label)
        cells[1].text = f"{move.actor}  {move.dated_on.isoformat()}" if move else "—"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def approval_pdf(form: dict) -> bytes:
    """The form as PDF, converted by LibreOffice; PdfUnavailable without it."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise PdfUnavailable(_("服务器未安装 LibreOffice，不能生成 PDF；请使用浏览器打印。"))
    with tempfile.TemporaryDirectory(prefix="approval-") as work:
        folder = Path(work)
        source = folder / "approval.docx"
        source.write_bytes(approval_docx(form))
        try:
            subprocess.run(
                [
                    soffice,
                    "--headless",
                    f"-env:UserInstallation=file://{folder / 'profile'}",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(folder),
                    str(source),
                ],
                capture_output=True,
                timeout=PDF_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfUnavailable(_("PDF 生成失败，请稍后再试或使用浏览器打印。")) from exc
        target = folder / "approval.pdf"
        if not target.exists():
            raise PdfUnavailable(_("PDF 生成失败，请稍后再试或使用浏览器打印。"))
        return target.read_bytes()
