"""Writing the workbook: the template (导入模板) and a bureau's records (导出全部).

Both follow :mod:`imports.workbook`, so what is exported imports again unchanged. Every
text cell is written as text: a value starting with = + - or @ (a provider's name, a
note) is never stored as a formula for Excel or WPS to run.
"""

from collections.abc import Iterable, Iterator
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.models import Bureau
from contracts.models import Award, Contract, Project, Provider
from core.inputs import for_documents
from imports import workbook as fmt
from payments.models import Audit, BudgetEvent, Deduction, Installment, Payment, RequiredDocument

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
EXAMPLE_FONT = Font(italic=True, color="808080")
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "0.00"
FORMULA_STARTS = ("=", "+", "-", "@")


def _text_cell(sheet, value):
    """A cell holding ``value``; text always stays text (never a formula)."""
    if isinstance(value, str):
        value = for_documents(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _write(book: Workbook, sheet_format: fmt.Sheet, rows: Iterable[tuple]) -> None:
    sheet = book.create_sheet(sheet_format.name)
    for index, column in enumerate(sheet_format.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column.header) * 3)
    header = []
    for column in sheet_format.columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        header.append(cell)
    sheet.append(header)
    for values in rows:
        cells = []
        for column, value in zip(sheet_format.columns, values, strict=False):
            cell = _text_cell(sheet, value)
            if column.kind == fmt.DATE and value is not None:
                cell.number_format = DATE_FORMAT
            elif column.kind == fmt.MONEY and value is not None:
                cell.number_format = MONEY_FORMAT
            cells.append(cell)
        sheet.append(cells)


def _guide(book: Workbook) -> None:
    sheet = book.create_sheet(fmt.GUIDE_SHEET)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 110
    for line in fmt.GUIDE:
        sheet.append([_text_cell(sheet, ""), _text_cell(sheet, str(line))])
    sheet.append([])
    for sheet_format in fmt.SHEETS:
        owner = "财务" if sheet_format.money else "业务科室"
        columns = "，".join(
            column.title + (f"（{column.note}）" if column.note else "")
            for column in sheet_format.columns
        )
        key = " + ".join(sheet_format.column(k).header for k in sheet_format.key)
        text = f"{owner}；列：{columns}"
        if key:
            text += f"；唯一标识：{key}"
        if sheet_format.note:
            text += f"；{sheet_format.note}"
        sheet.append([_text_cell(sheet, sheet_format.name), _text_cell(sheet, text)])


def workbook_bytes(bureau: Bureau | None) -> bytes:
    """The workbook of ``bureau``'s records (None: the template, with example rows)."""
    if bureau is None:
        return template_bytes()
    book = Workbook(write_only=True)
    _guide(book)
    for sheet_format in fmt.SHEETS:
        _write(book, sheet_format, ROWS[sheet_format.name](bureau))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_bytes() -> bytes:
    """The template: the header rows, an example row each, lists for choice columns."""
    book = Workbook()
    book.remove(book.active)
    for sheet_format in fmt.SHEETS:
        sheet = book.create_sheet(sheet_format.name)
        sheet.append([column.title for column in sheet_format.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
        sheet.append(list(sheet_format.example))
        for cell in sheet[2]:
            cell.font = EXAMPLE_FONT
            if isinstance(cell.value, str):
                cell.data_type = "s"
        for index, column in enumerate(sheet_format.columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(12, len(column.header) * 3)
            if column.kind == fmt.DATE:
                for (cell,) in sheet.iter_rows(min_row=2, max_row=2, min_col=index, max_col=index):
                    cell.number_format = "@"
            if column.choices:
                validation = DataValidation(
                    type="list",
                    formula1='"' + ",".join(column.choices) + '"',
                    allow_blank=not column.required,
                    showErrorMessage=True,
                    errorTitle="请从列表中选择",
                    error="请从下拉列表中选择：" + "、".join(column.choices),
                )
                validation.add(f"{letter}2:{letter}20000")
                sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
    guide = book.create_sheet(fmt.GUIDE_SHEET, 0)
    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["B"].width = 110
    for line in fmt.GUIDE:
        guide.append(["", str(line)])
    guide.append([])
    for sheet_format in fmt.SHEETS:
        owner = "财务" if sheet_format.money else "业务科室"
        columns = "，".join(
            column.title + (f"（{column.note}）" if column.note else "")
            for column in sheet_format.columns
        )
        key = " + ".join(sheet_format.column(k).header for k in sheet_format.key)
        text = f"{owner}；列：{columns}" + (f"；唯一标识：{key}" if key else "")
        if sheet_format.note:
            text += f"；{sheet_format.note}"
        guide.append([sheet_format.name, text])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- the rows of each sheet, read in bounded queries --------------------------------------


def _providers(bureau) -> Iterator[tuple]:
    for p in Provider.objects.filter(bureau=bureau).order_by("pk"):
        yield (p.name, p.credit_code, p.contact_person, p.phone, p.email)


def _projects(bureau) -> Iterator[tuple]:
    for p in Project.objects.filter(bureau=bureau).select_related("owner").order_by("pk"):
        owner = p.owner.username if p.owner else ""
        yield (p.name, p.get_service_field_display(), owner, p.department)


def _awards(bureau) -> Iterator[tuple]:
    awards = Award.objects.filter(project__bureau=bureau).select_related("project", "provider")
    for a in awards.order_by("pk"):
        yield (
            a.project.name,
            a.provider.credit_code,
            a.award_date,
            a.term_months,
            a.annual_amount,
            a.get_procurement_method_display(),
            a.term_start,
            a.notice_number,
        )


def _contracts(bureau) -> Iterator[tuple]:
    contracts = Contract.objects.filter(bureau=bureau).select_related(
        "award__project", "award__provider"
    )
    for c in contracts.order_by("pk"):
        yield (
            c.number,
            c.award.project.name,
            c.award.provider.credit_code,
            c.signed_on,
            c.start,
            c.end,
            c.amount,
            c.title,
        )


def _installments(bureau) -> Iterator[tuple]:
    titles: dict[int, list[str]] = {}
    documents = RequiredDocument.objects.filter(installment__bureau=bureau).order_by("pk")
    for document in documents.iterator(chunk_size=2000):
        titles.setdefault(document.installment_id, []).append(document.title)
    approved = {Installment.Status.APPROVED, Installment.Status.PAID}
    installments = Installment.objects.filter(bureau=bureau).select_related("contract")
    for i in installments.order_by("contract_id", "number").iterator(chunk_size=2000):
        yield (
            i.contract.number,
            i.number,
            i.planned_amount,
            i.due_date,
            "、".join(titles.get(i.pk, [])),
            i.approved_on if i.status in approved else None,
            i.documents_due,
        )


def _budgets(bureau) -> Iterator[tuple]:
    # A reversed event and its reversal cancel out: neither is written.
    events = (
        BudgetEvent.objects.filter(budget__bureau=bureau, reverses__isnull=True)
        .exclude(reversed_by__isnull=False)
        .select_related("budget__project")
        .order_by("dated_on", "pk")
    )
    for e in events:
        yield (
            e.budget.project.name,
            e.budget.year,
            e.dated_on,
            e.get_kind_display(),
            e.amount,
            e.document_number,
            e.reason,
        )


def _report_number(audit: Audit) -> str:
    return audit.report_number or f"无编号-{audit.pk}"


def _audits(bureau) -> Iterator[tuple]:
    for a in Audit.objects.filter(bureau=bureau).select_related("project").order_by("pk"):
        yield (
            _report_number(a),
            a.get_kind_display(),
            a.firm,
            a.year,
            a.closed_on or a.started_on,
            a.findings,
            a.project.name if a.project else "",
            a.started_on,
            a.score,
            a.grade,
            a.satisfaction,
        )


def _documents(bureau) -> Iterator[tuple]:
    documents = (
        RequiredDocument.objects.filter(installment__bureau=bureau, received_on__isnull=False)
        .select_related("installment__contract")
        .order_by("received_on", "pk")
    )
    for d in documents.iterator(chunk_size=2000):
        yield (d.installment.contract.number, d.installment.number, d.title, d.received_on)


def _deductions(bureau) -> Iterator[tuple]:
    # A deduction the workbook can state rests on an audit or assessment report. One an
    # evaluation's result rule made (no report) is not exported: it is the effect of
    # approving that evaluation, which the workbook does not carry, and approving it in
    # the bureau the file goes to applies the bureau's rules again.
    deductions = (
        Deduction.objects.filter(bureau=bureau, withdrawn_on__isnull=True, audit__isnull=False)
        .select_related("installment__contract", "audit")
        .order_by("decided_on", "pk")
    )
    for d in deductions:
        yield (
            d.installment.contract.number,
            d.installment.number,
            _report_number(d.audit),
            d.decided_on,
            d.amount,
            d.reason,
        )


def _payments(bureau) -> Iterator[tuple]:
    payments = (
        Payment.objects.filter(bureau=bureau, kind=Payment.Kind.PAYMENT)
        .select_related("installment__contract")
        .order_by("paid_on", "pk")
    )
    for p in payments.iterator(chunk_size=2000):
        yield (
            p.voucher_number,
            p.installment.contract.number,
            p.installment.number,
            p.paid_on,
            p.amount,
        )


def _reversals(bureau) -> Iterator[tuple]:
    reversals = (
        Payment.objects.filter(bureau=bureau, kind=Payment.Kind.REVERSAL)
        .select_related("reverses")
        .order_by("paid_on", "pk")
    )
    for p in reversals.iterator(chunk_size=2000):
        yield (p.voucher_number, p.reverses.voucher_number, p.paid_on, p.reason)


ROWS = {
    "服务机构": _providers,
    "服务项目": _projects,
    "中标": _awards,
    "合同": _contracts,
    "分期": _installments,
    "预算": _budgets,
    "审计评估": _audits,
    "付款资料": _documents,
    "扣减": _deductions,
    "支付": _payments,
    "冲销": _reversals,
}
