"""Importing a workbook: all or nothing, through the same services the forms use.

:func:`workbook_import` reads the file (reader.py), checks every cell (cells.py) and
every key, then applies the rows in one transaction: the registers first (providers,
projects, awards, contracts, audits, schedules), then every dated money event in
business-date order across sheets (budget events, documents received, approvals,
deductions, payments, reversals), each through its app's service, so every rule of a
form holds. Any problem, or a dry run, rolls the whole transaction back.

What the file creates whole — new contracts, and new schedules with their documents,
receipts, approvals and payments (contracts with no deduction or reversal in the file) —
goes through the services' batch entry points (contracts.bulk.NewContracts,
payments.bulk.NewBooks): the same calls and checks, in memory, written in bulk. Records
tokens move and notices are looked up once, at the end (payments.services.bulk_writes).

A row already in the bureau as the file has it is *unchanged* and nothing is written
for it, so the same file imported twice writes nothing the second time. Rows are
history: each record saved carries ``导入 <file> <sheet>!<row>`` in its history, and
the steps of an installment pass the explicit ``imported`` flag of the payments
services (the four-eyes rule governs live decisions, not a bureau's past books).
"""

import gc
import hashlib
from collections import defaultdict
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Bureau, User
from accounts.records import recorded_from
from accounts.roles import Role
from contracts import services as contract_services
from contracts.bulk import NewContracts
from contracts.models import Award, Contract, Project, Provider, ServiceField
from imports import workbook as fmt
from imports.cells import is_example, parse_row
from imports.models import ImportRun
from imports.reader import FileRefused, Problem, open_source
from payments import services as payment_services
from payments.bulk import NewBooks
from payments.models import (
    Audit,
    Budget,
    BudgetEvent,
    Deduction,
    Installment,
    Payment,
    RequiredDocument,
)

S = Installment.Status
FIELD_BY_LABEL = {str(label): value for value, label in ServiceField.choices}
METHOD_BY_LABEL = {str(label): value for value, label in Award.Method.choices}
BUDGET_KIND_BY_LABEL = {str(label): value for value, label in BudgetEvent.Kind.choices}
AUDIT_KIND_BY_LABEL = {str(label): value for value, label in Audit.Kind.choices}
DOCUMENT_KIND_BY_LABEL = {
    str(label): value
    for value, label in RequiredDocument.Kind.choices
    if value != RequiredDocument.Kind.OTHER
}
# Dated events of one day apply in this order: money in, documents, approval, then what
# is paid and undone.
PHASES = {"预算": 0, "付款资料": 1, "分期": 2, "扣减": 3, "支付": 4, "冲销": 5}
PROGRESS_EVERY = 200
# What a key of another sheet names, in the refusal when it is not found (translated then).
LABELS = {
    "服务机构": gettext_lazy("服务机构"),
    "服务项目": gettext_lazy("服务项目"),
    "合同": gettext_lazy("合同"),
    "审计评估报告": gettext_lazy("审计评估报告"),
    "支付凭证": gettext_lazy("支付凭证"),
}


class Abort(Exception):
    """Roll the import back (a problem, or a dry run)."""


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class Result:
    counts: dict[str, Counts] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # told, not refused
    applied: bool = False
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts_dict(self) -> dict:
        return {name: c.as_dict() for name, c in self.counts.items()}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sheets_of(user: User) -> set[str]:
    """The sheets a person may import on the web: 业务科室 the registers, 财务 the money."""
    names = set()
    if user.has_perm("imports.import_registers"):
        names |= {s.name for s in fmt.SHEETS if not s.money}
    if user.has_perm("imports.import_money"):
        names |= {s.name for s in fmt.SHEETS if s.money}
    return names


def default_actor(bureau: Bureau) -> User | None:
    """Who enters an import when nobody is named: the bureau's first finance user."""
    return (
        User.objects.filter(bureau=bureau, is_active=True, groups__name=Role.FINANCE)
        .order_by("pk")
        .first()
    )


def workbook_import(
    *,
    actor: User,
    bureau: Bureau,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    allowed_sheets: set[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Result:
    """Check and (unless ``dry_run``) apply a workbook; nothing is written on a problem."""
    result = Result()
    try:
        source = open_source(data, filename)
    except FileRefused as exc:
        result.problems.append(Problem(filename, 0, "", str(exc)))
        return result
    result.problems.extend(source.problems)
    rows = _read_rows(source, result, allowed_sheets)
    if result.problems:
        return result
    importer = _Importer(actor=actor, bureau=bureau, filename=filename, result=result)
    importer.progress = progress
    # Hundreds of thousands of objects are made and kept: the cyclic collector, run again
    # and again over all of them, is paused (they are freed by reference counting).
    collecting = gc.isenabled()
    gc.disable()
    try:
        with transaction.atomic(), payment_services.bulk_writes():
            importer.apply(rows)
            if result.problems or dry_run:
                raise Abort
    except Abort:
        return result
    finally:
        if collecting:
            gc.enable()
    result.applied = True
    return result


def _read_rows(source, result: Result, allowed_sheets) -> dict[str, list[tuple[int, dict]]]:
    """Every sheet's typed rows; the problems of cells, keys and limits go to ``result``."""
    rows: dict[str, list[tuple[int, dict]]] = {}
    total = 0
    for sheet_rows in source.sheets:
        sheet = sheet_rows.sheet
        seen: dict[tuple, int] = {}
        kept = []
        for number, raw in sheet_rows.rows:
            total += 1
            if total > fmt.MAX_ROWS:
                result.problems.append(
                    Problem(
                        sheet.name,
                        number,
                        "",
                        _("文件超过 200000 行的上限，请拆分为多个文件分批导入。"),
                    )
                )
                return rows
            if is_example(raw):
                continue
            if allowed_sheets is not None and sheet.name not in allowed_sheets:
                result.problems.append(
                    Problem(
                        sheet.name,
                        number,
                        "",
                        _("您的角色不能导入“%(sheet)s”表（%(owner)s负责），请删除该表或由其导入。")
                        % {
                            "sheet": sheet.name,
                            "owner": _("财务") if sheet.money else _("业务科室"),
                        },
                    )
                )
                break
            row, problems = parse_row(sheet, sheet_rows.positions, number, raw)
            if problems:
                result.problems.extend(problems)
                continue
            if sheet.key:
                key = tuple(row[k] for k in sheet.key)
                if key in seen:
                    names = "、".join(sheet.column(k).header for k in sheet.key)
                    result.problems.append(
                        Problem(
                            sheet.name,
                            number,
                            sheet.column(sheet.key[0]).header,
                            _("%(names)s与第 %(row)s 行重复。")
                            % {"names": names, "row": seen[key]},
                        )
                    )
                    continue
                seen[key] = number
            kept.append((number, row))
        rows[sheet.name] = kept
        result.counts[sheet.name] = Counts()
    result.rows = total
    return rows


def _document_kind(name: str) -> tuple[str, str]:
    """A document's (kind, name): a kind's own label is that kind, anything else 其他."""
    kind = DOCUMENT_KIND_BY_LABEL.get(name)
    return (kind, "") if kind else (RequiredDocument.Kind.OTHER, name)


class RowProblem(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


# The fields services name in their refusals that are not a column's own key.
FIELD_COLUMNS = {
    "initial_amount": "amount",
    "issued_amount": "amount",
    "reversed_on": "reversed_on",
    "on": "approved_on",
    "planned_amount": "amount",
    "number": "number",
}


def _by_column(sheet: fmt.Sheet, error: ValidationError) -> list[tuple[str, str]]:
    """A service's refusal as (column header, message) pairs of the row's sheet: a field
    the sheet has names its column, anything else the sheet's first column."""
    first = sheet.columns[0].header
    if not hasattr(error, "error_dict"):
        return [(first, " ".join(str(m) for m in error.messages))]
    keys = {c.key: c.header for c in sheet.columns}
    found = []
    for name, messages in error.message_dict.items():
        header = keys.get(name) or keys.get(FIELD_COLUMNS.get(name, "")) or first
        found.append((header, " ".join(str(m) for m in messages)))
    return found


class _Importer:
    """The state of one import: the bureau's records by their keys, as the file grows them."""

    def __init__(self, *, actor: User, bureau: Bureau, filename: str, result: Result):
        self.actor, self.bureau, self.filename, self.result = actor, bureau, filename, result
        self.progress = None
        self.source_format = _("导入 %(file)s %(sheet)s!%(row)s")
        # A document's title (RequiredDocument.title) without a gettext per call.
        self.kind_titles = {value: str(label) for value, label in RequiredDocument.Kind.choices}
        self.done = 0
        self.failed: set[tuple[str, tuple]] = set()  # keys of rows that failed
        self.providers = {p.credit_code: p for p in Provider.objects.filter(bureau=bureau)}
        self.projects = {p.name: p for p in Project.objects.filter(bureau=bureau)}
        self.awards = defaultdict(list)
        for award in Award.objects.filter(project__bureau=bureau).select_related(
            "project", "provider"
        ):
            self.awards[(award.project.name, award.provider.credit_code)].append(award)
        self.contracts = {
            c.number: c
            for c in Contract.objects.filter(bureau=bureau).select_related(
                "award__project", "award__provider"
            )
        }
        self.installments = {
            (i.contract.number, i.number): i
            for i in Installment.objects.filter(bureau=bureau).select_related("contract")
        }
        self.audits = {
            a.report_number: a
            for a in Audit.objects.filter(bureau=bureau).exclude(report_number="")
        }
        self.payments = {p.voucher_number: p for p in Payment.objects.filter(bureau=bureau)}
        # New schedules, with their documents, steps and payments, are built in memory by
        # the payments services' batch entry point and written in bulk at the end.
        self.books = NewBooks(actor=actor, bureau=bureau)
        self.new_contracts = NewContracts(actor=actor, bureau=bureau)
        self.bulk_contracts: set[str] = set()
        self.bulk = False  # new contracts in bulk (set by _plan_bulk)

    def _plan_bulk(self, rows) -> None:
        """The contracts whose schedule the file creates whole: no installment yet, and no
        deduction or reversal in the file (those keep the per-row services)."""
        scheduled = {number for number, _term in self.installments}
        per_row = {row["contract"] for _n, row in rows.get("扣减", [])}
        reversed_vouchers = {row["original"] for _n, row in rows.get("冲销", [])}
        per_row |= {
            row["contract"]
            for _n, row in rows.get("支付", [])
            if row["voucher_number"] in reversed_vouchers
        }
        per_row |= {
            p.installment.contract.number
            for voucher, p in self.payments.items()
            if voucher in reversed_vouchers
        }
        # A step dated today is a live decision, not history: the per-row services hold
        # it to the four-eyes rule (the batch knows no earlier actor of a new schedule).
        today = timezone.localdate()
        per_row |= {
            row["contract"]
            for _n, row in rows.get("分期", [])
            if row.get("approved_on") and row["approved_on"] >= today
        }
        per_row |= {row["contract"] for _n, row in rows.get("支付", []) if row["paid_on"] >= today}
        self.bulk = True
        self.bulk_contracts = (
            {row["contract"] for _n, row in rows.get("分期", [])} - scheduled - per_row
        )

    @staticmethod
    def _is_new(installment) -> bool:
        """Made by the batch entry point in this import (whether inserted yet or not)."""
        return NewBooks.holds(installment)

    # --- the frame of each row ------------------------------------------------------------

    def apply(self, rows: dict[str, list[tuple[int, dict]]]) -> None:
        self.total = max(sum(len(r) for r in rows.values()), 1)
        self._plan_bulk(rows)
        register = [
            ("服务机构", self.provider),
            ("服务项目", self.project),
            ("中标", self.award),
            ("合同", self.contract),
            ("审计评估", self.audit),
        ]
        for name, handler in register:
            for number, row in rows.get(name, []):
                # A new contract is written in bulk after the sheet: no savepoint.
                new = self.bulk and name == "合同" and row["number"] not in self.contracts
                self.row(name, number, handler, row, savepoint=not new)
            if name == "合同" and not self.result.problems:
                self.new_contracts.save()
        self.schedules(rows.get("分期", []))
        if not self.result.problems:
            self.books.insert_schedules()
        events = []
        dated = [
            ("预算", "dated_on", self.budget_event),
            ("付款资料", "received_on", self.document),
            ("分期", "approved_on", self.approval),
            ("扣减", "decided_on", self.deduction),
            ("支付", "paid_on", self.payment),
            ("冲销", "reversed_on", self.reversal),
        ]
        for name, date_key, handler in dated:
            for number, row in rows.get(name, []):
                if row.get(date_key) is None:
                    continue
                events.append((row[date_key], PHASES[name], name, number, handler, row))
        events.sort(key=lambda e: e[:4])
        for _day, _phase, name, number, handler, row in events:
            # A row of a new schedule writes nothing until the end: no savepoint.
            new = row.get("contract") in self.bulk_contracts
            self.row(name, number, handler, row, count=name != "分期", savepoint=not new)
        if not self.result.problems:
            self.books.save()

    def row(
        self,
        sheet: str,
        number: int,
        handler,
        row: dict,
        *,
        count: bool = True,
        savepoint: bool = True,
    ) -> None:
        """Apply one row; ``savepoint``: undo its writes alone when it fails (rows that
        write nothing at once, those of the batch entry points, need none)."""
        source = self.source_format % {
            "file": self.filename,
            "sheet": sheet,
            "row": number,
        }
        try:
            with recorded_from(source), transaction.atomic() if savepoint else nullcontext():
                outcome = handler(row, f"{sheet}!{number}")
        except RowProblem as problem:
            self._fail(sheet, number, problem.column, problem.message, row)
            return
        except ValidationError as error:
            for column, message in _by_column(fmt.BY_NAME[sheet], error):
                self._fail(sheet, number, column, message, row)
            return
        except PermissionDenied as error:
            first = fmt.BY_NAME[sheet].columns[0].header
            self._fail(sheet, number, first, str(error), row)
            return
        if count and outcome:
            counts = self.result.counts.setdefault(sheet, Counts())
            setattr(counts, outcome, getattr(counts, outcome) + 1)
        self.done += 1
        if self.progress and self.done % PROGRESS_EVERY == 0:
            self.progress(min(99, self.done * 100 // self.total))

    def _fail(self, sheet, number, column, message, row):
        key_sheet = fmt.BY_NAME[sheet]
        self.failed.add((sheet, tuple(row.get(k) for k in key_sheet.key)))
        self.result.problems.append(Problem(sheet, number, column, message))

    def _failed(self, sheet: str, key: tuple) -> bool:
        return (sheet, key) in self.failed

    # --- references -----------------------------------------------------------------------

    def _ref(self, table: dict, key, *, sheet: str, column: str, label: str, others):
        found = table.get(key)
        if found is not None:
            return found
        if self._failed(sheet, key if isinstance(key, tuple) else (key,)):
            raise RowProblem(
                column,
                _("所引用的%(label)s“%(key)s”本身有问题，见上。") % {"label": label, "key": key},
            )
        if others().exclude(bureau=self.bureau).exists():
            raise RowProblem(
                column,
                _("%(label)s“%(key)s”属于其他单位，不能引用。") % {"label": label, "key": key},
            )
        raise RowProblem(
            column,
            _("找不到%(label)s“%(key)s”：本单位没有，本文件中也没有。")
            % {"label": label, "key": key},
        )

    def _provider(self, code, column="统一社会信用代码"):
        return self._ref(
            self.providers,
            code,
            sheet="服务机构",
            column=column,
            label=LABELS["服务机构"],
            others=lambda: Provider.objects.filter(credit_code=code),
        )

    def _project(self, name, column="项目名称"):
        return self._ref(
            self.projects,
            name,
            sheet="服务项目",
            column=column,
            label=LABELS["服务项目"],
            others=lambda: Project.objects.filter(name=name),
        )

    def _contract(self, number, column="合同编号"):
        return self._ref(
            self.contracts,
            number,
            sheet="合同",
            column=column,
            label=LABELS["合同"],
            others=lambda: Contract.objects.filter(number=number),
        )

    def _installment(self, number, term, column="期次"):
        contract = self._contract(number)
        installment = self.installments.get((contract.number, term))
        if installment is None and self._failed("分期", (contract.number, term)):
            raise RowProblem(
                column,
                _("所引用的合同 %(number)s 第 %(term)s 期本身有问题，见上。")
                % {"number": number, "term": term},
            )
        if installment is None:
            raise RowProblem(
                column,
                _("合同 %(number)s 没有第 %(term)s 期。") % {"number": number, "term": term},
            )
        return installment

    def _audit(self, report_number, column="报告编号"):
        return self._ref(
            self.audits,
            report_number,
            sheet="审计评估",
            column=column,
            label=LABELS["审计评估报告"],
            others=lambda: Audit.objects.filter(report_number=report_number),
        )

    @staticmethod
    def _differs(instance, data: dict) -> dict:
        """The fields of ``data`` whose value differs from the instance's."""
        changed = {}
        for name, value in data.items():
            current = getattr(instance, name)
            if hasattr(current, "pk"):
                current = current.pk
                value = value.pk if hasattr(value, "pk") else value
            if current != value:
                changed[name] = data[name]
        return changed

    # --- registers ------------------------------------------------------------------------

    def provider(self, row, _place):
        data = {
            "name": row["name"],
            "contact_person": row["contact_person"],
            "phone": row["phone"],
            "email": row["email"],
        }
        provider = self.providers.get(row["credit_code"])
        if provider is None:
            self.providers[row["credit_code"]] = contract_services.provider_create(
                actor=self.actor, bureau=self.bureau, credit_code=row["credit_code"], **data
            )
            return "created"
        changed = self._differs(provider, data)
        if not changed:
            return "unchanged"
        contract_services.provider_update(actor=self.actor, provider=provider, **changed)
        return "updated"

    def _owner(self, username, place):
        """The project's owner; one who is not a user of the bureau (a file exported from
        another bureau) is left blank and the preview says so."""
        if not username:
            return None
        owner = User.objects.filter(username=username, bureau=self.bureau).first()
        if owner is None:
            sheet, _sep, number = place.partition("!")
            self.result.warnings.append(
                Problem(
                    sheet,
                    int(number),
                    "项目负责人",
                    _("“%(name)s”不是本单位的用户名，负责人留空。") % {"name": username},
                )
            )
        return owner

    def project(self, row, place):
        owner = self._owner(row["owner"], place)
        data = {
            "service_field": FIELD_BY_LABEL[row["service_field"]],
            "owner": owner,
            "department": row["department"],
        }
        project = self.projects.get(row["name"])
        if project is None:
            self.projects[row["name"]] = contract_services.project_create(
                actor=self.actor, bureau=self.bureau, name=row["name"], **data
            )
            return "created"
        if owner is None:
            data.pop("owner")  # a blank or unknown one keeps the owner the system knows
        changed = self._differs(project, data)
        if not changed:
            return "unchanged"
        contract_services.project_update(actor=self.actor, project=project, **changed)
        return "updated"

    def award(self, row, _place):
        project = self._project(row["project"])
        provider = self._provider(row["credit_code"])
        data = {
            "term_months": row["term_months"],
            "annual_amount": row["annual_amount"],
            "procurement_method": METHOD_BY_LABEL[row["procurement_method"] or "公开招标"],
            "term_start": row["term_start"] or row["award_date"],
            "notice_number": row["notice_number"],
        }
        key = (project.name, provider.credit_code)
        award = next((a for a in self.awards[key] if a.award_date == row["award_date"]), None)
        if award is None:
            award = contract_services.award_create(
                actor=self.actor,
                project=project,
                provider=provider,
                award_date=row["award_date"],
                **data,
            )
            self.awards[key].append(award)
            return "created"
        changed = self._differs(award, data)
        if not changed:
            return "unchanged"
        contract_services.award_update(actor=self.actor, award=award, **changed)
        return "updated"

    def _award_for(self, row) -> Award:
        project = self._project(row["project"])
        provider = self._provider(row["credit_code"])
        awards = self.awards.get((project.name, provider.credit_code)) or []
        covering = [a for a in awards if a.term_start <= row["start"] and row["end"] <= a.term_end]
        if covering or awards:
            return max(covering or awards, key=lambda a: a.award_date)
        raise RowProblem(
            "项目名称",
            _("找不到该项目与服务机构的中标记录，请先在“中标”表登记。"),
        )

    def contract(self, row, _place):
        data = {
            "signed_on": row["signed_on"],
            "start": row["start"],
            "end": row["end"],
            "amount": row["amount"],
            "title": row["title"] or row["number"],
        }
        contract = self.contracts.get(row["number"])
        if contract is None:
            award = self._award_for(row)
            # New contracts are checked as contract_create checks them and inserted in
            # bulk once the sheet is read (apply()).
            if self.bulk:
                self.contracts[row["number"]] = self.new_contracts.contract_create(
                    award=award, number=row["number"], **data
                )
            else:
                self.contracts[row["number"]] = contract_services.contract_create(
                    actor=self.actor, award=award, number=row["number"], **data
                )
            return "created"
        award = contract.award
        if (award.project.name, award.provider.credit_code) != (row["project"], row["credit_code"]):
            raise RowProblem(
                "项目名称",
                _("合同 %(number)s 已登记在“%(award)s”下，不能更换项目或服务机构。")
                % {"number": contract.number, "award": award},
            )
        if not row["title"]:
            data.pop("title")
        changed = self._differs(contract, data)
        if not changed:
            return "unchanged"
        contract_services.contract_update(actor=self.actor, contract=contract, **changed)
        return "updated"

    def audit(self, row, _place):
        project = self._project(row["project"], "项目名称") if row["project"] else None
        data = {
            "kind": AUDIT_KIND_BY_LABEL[row["kind"]],
            "firm": row["firm"],
            "year": row["year"],
            "closed_on": row["closed_on"],
            "started_on": row["started_on"] or row["closed_on"],
            "findings": row["findings"],
            "project": project,
            "score": row["score"],
            "grade": row["grade"],
            "satisfaction": row["satisfaction"],
        }
        audit = self.audits.get(row["report_number"])
        if audit is None:
            self.audits[row["report_number"]] = payment_services.audit_create(
                actor=self.actor, bureau=self.bureau, report_number=row["report_number"], **data
            )
            return "created"
        changed = self._differs(audit, data)
        if not changed:
            return "unchanged"
        payment_services.audit_update(actor=self.actor, audit=audit, **changed)
        return "updated"

    # --- schedules ------------------------------------------------------------------------

    def schedules(self, rows: list[tuple[int, dict]]) -> None:
        by_contract = defaultdict(list)
        for number, row in rows:
            by_contract[row["contract"]].append((number, row))
        for contract_number, contract_rows in by_contract.items():
            first = contract_rows[0][0]
            outcomes = {}

            def save(
                _row, _place, number=contract_number, contract_rows=contract_rows, outcomes=outcomes
            ):
                outcomes.update(self._schedule(number, contract_rows))
                return None

            before = len(self.result.problems)
            self.row(
                "分期",
                first,
                save,
                contract_rows[0][1],
                count=False,
                savepoint=contract_number not in self.bulk_contracts,
            )
            if len(self.result.problems) > before:
                for _number, row in contract_rows:
                    self.failed.add(("分期", (row["contract"], row["number"])))
                continue
            counts = self.result.counts.setdefault("分期", Counts())
            for outcome in outcomes.values():
                setattr(counts, outcome, getattr(counts, outcome) + 1)

    def _schedule(self, contract_number, rows) -> dict[int, str]:
        contract = self._contract(contract_number)
        if contract_number in self.bulk_contracts:
            return self._schedule_new(contract, rows)
        existing = {i.number: i for i in contract.installments.order_by("number")}
        outcomes, changed = {}, False
        schedule = []
        for number, installment in existing.items():
            schedule.append(
                payment_services.ScheduleRow(
                    pk=installment.pk,
                    number=number,
                    due_date=installment.due_date,
                    planned_amount=installment.planned_amount,
                    percent=installment.percent,
                    documents_due=installment.documents_due,
                )
            )
        by_number = {r.number: r for r in schedule}
        for sheet_row, row in rows:
            documents_due = row["documents_due"]
            current = by_number.get(row["number"])
            if current is None:
                schedule.append(
                    payment_services.ScheduleRow(
                        pk=None,
                        number=row["number"],
                        due_date=row["due_date"],
                        planned_amount=row["amount"],
                        documents_due=documents_due,
                        documents=[_document_kind(name) for name in row["documents"]] or None,
                    )
                )
                outcomes[sheet_row] = "created"
                changed = True
                continue
            wanted = (row["amount"], row["due_date"], documents_due or current.documents_due)
            if wanted == (current.planned_amount, current.due_date, current.documents_due):
                outcomes[sheet_row] = "unchanged"
                continue
            current.planned_amount, current.due_date = row["amount"], row["due_date"]
            current.documents_due = documents_due or current.documents_due
            current.percent = None
            outcomes[sheet_row] = "updated"
            changed = True
        if changed:
            saved = payment_services.schedule_save(
                actor=self.actor, contract=contract, rows=schedule
            )
            for installment in saved:
                installment.contract = contract
                self.installments[(contract.number, installment.number)] = installment
        for _sheet_row, row in rows:
            installment = self.installments[(contract.number, row["number"])]
            added = self._documents(installment, row["documents"])
            if added and outcomes[_sheet_row] == "unchanged":
                outcomes[_sheet_row] = "updated"
        return outcomes

    def _schedule_new(self, contract, rows) -> dict[int, str]:
        """A whole new schedule, through the batch entry point."""
        schedule = [
            payment_services.ScheduleRow(
                pk=None,
                number=row["number"],
                due_date=row["due_date"],
                planned_amount=row["amount"],
                documents_due=row["documents_due"],
                documents=[_document_kind(name) for name in row["documents"]] or None,
            )
            for _sheet_row, row in rows
        ]
        for installment in self.books.schedule(contract=contract, rows=schedule):
            self.installments[(contract.number, installment.number)] = installment
        outcomes = {}
        for sheet_row, row in rows:
            installment = self.installments[(contract.number, row["number"])]
            self._documents(installment, row["documents"])
            outcomes[sheet_row] = "created"
        return outcomes

    def _title(self, document: RequiredDocument) -> str:
        """RequiredDocument.title, with the kinds' labels translated once per import."""
        return document.name or self.kind_titles.get(document.kind, document.kind)

    def _documents_of(self, installment: Installment) -> list:
        if self._is_new(installment):
            return self.books.documents_of(installment)
        return list(installment.documents.all())

    def _documents(self, installment: Installment, names: list[str]) -> bool:
        """Add the listed documents the installment does not require yet."""
        if not names:
            return False
        have = {self._title(d) for d in self._documents_of(installment)}
        added = False
        for name in names:
            if name in have:
                continue
            kind, own_name = _document_kind(name)
            self._services(installment).document_add(
                actor=self.actor, installment=installment, kind=kind, name=own_name
            )
            have.add(name)
            added = True
        return added

    # --- dated events ---------------------------------------------------------------------

    def budget_event(self, row, _place):
        project = self._project(row["project"])
        if row["dated_on"].year != row["year"]:
            raise RowProblem("日期", _("日期须在 %(year)s 年内。") % {"year": row["year"]})
        kind = BUDGET_KIND_BY_LABEL[row["kind"]]
        budget = Budget.objects.filter(project=project, year=row["year"]).first()
        if budget is None:
            budget = payment_services.budget_create(
                actor=self.actor, project=project, year=row["year"], initial_amount=None
            )
        document_number = row["document_number"] or _("（导入，无文号）")
        if budget.events.filter(
            kind=kind,
            dated_on=row["dated_on"],
            amount=row["amount"],
            document_number=document_number,
        ).exists():
            return "unchanged"
        payment_services.budget_event_record(
            actor=self.actor,
            budget=budget,
            kind=kind,
            amount=row["amount"],
            dated_on=row["dated_on"],
            document_number=document_number,
            reason=row["reason"] or row["kind"],
        )
        return "created"

    def _services(self, installment):
        """The payments services for this installment: the batch entry point's for a new
        one (the same calls and checks, in memory), the per-row services otherwise."""
        return _BooksServices(self.books) if self._is_new(installment) else payment_services

    def document(self, row, _place):
        installment = self._installment(row["contract"], row["installment"], "期次")
        services = self._services(installment)
        documents = self._documents_of(installment)
        document = next((d for d in documents if self._title(d) == row["name"]), None)
        created = False
        if document is None:
            kind, own_name = _document_kind(row["name"])
            document = services.document_add(
                actor=self.actor, installment=installment, kind=kind, name=own_name
            )
            created = True
        if document.received_on == row["received_on"]:
            return "unchanged"
        if installment.status in (S.APPROVED, S.PAID) and document.received_on is not None:
            raise RowProblem(
                "收到日期",
                _("该期已审批，资料收到日期（%(date)s）不能再修改。")
                % {"date": document.received_on.isoformat()},
            )
        outcome = "created" if created or document.received_on is None else "updated"
        services.document_receive(
            actor=self.actor, document=document, received_on=row["received_on"]
        )
        if not self._is_new(installment):
            installment.refresh_from_db(fields=["status"])
        if installment.status == S.PLANNED:
            self._move(installment, S.AWAITING_DOCUMENTS, row["received_on"])
        return outcome

    def _move(self, installment, to_status, on):
        self._services(installment).installment_transition(
            actor=self.actor,
            installment=installment,
            to_status=to_status,
            on=on,
            imported=True,
        )
        if not self._is_new(installment):
            installment.refresh_from_db(fields=["status", "approved_on"])

    def approval(self, row, _place):
        installment = self._installment(row["contract"], row["number"], "审批日期")
        if not self._is_new(installment):
            installment.refresh_from_db(fields=["status", "approved_on"])
        day = row["approved_on"]
        if installment.status in (S.APPROVED, S.PAID):
            if installment.approved_on == day:
                return "unchanged"
            raise RowProblem(
                "审批日期",
                _("该期已于 %(date)s 审批，审批日期不能修改。")
                % {"date": installment.approved_on.isoformat() if installment.approved_on else ""},
            )
        if installment.status == S.CANCELLED:
            raise RowProblem("审批日期", _("该期已取消，不能审批。"))
        documents = self._documents_of(installment)
        received = [d.received_on for d in documents]
        missing = [d.title for d in documents if d.received_on is None]
        if missing:
            raise RowProblem(
                "审批日期",
                _("审批前须收到全部应交资料，尚缺：%(documents)s（请在“付款资料”表登记收到日期）。")
                % {"documents": "、".join(missing)},
            )
        submitted = max([d for d in received if d and d <= day], default=day)
        if installment.status == S.PLANNED:
            self._move(installment, S.AWAITING_DOCUMENTS, submitted)
        if installment.status == S.AWAITING_DOCUMENTS:
            self._move(installment, S.DOCUMENTS_SUBMITTED, submitted)
        if installment.status == S.DOCUMENTS_SUBMITTED:
            self._move(installment, S.UNDER_REVIEW, submitted)
        if installment.status == S.ON_HOLD:
            # A hold is a live decision (a manager's, or an evaluation's result); a
            # workbook of past records does not lift it.
            raise RowProblem(
                "审批日期", _("该期已暂缓支付，不能通过导入审批；请先在系统中解除暂缓。")
            )
        self._move(installment, S.APPROVED, day)
        return "updated"

    def deduction(self, row, _place):
        installment = self._installment(row["contract"], row["installment"])
        audit = self._audit(row["report_number"])
        if Deduction.objects.filter(
            installment=installment,
            audit=audit,
            decided_on=row["decided_on"],
            amount=row["amount"],
            withdrawn_on__isnull=True,
        ).exists():
            return "unchanged"
        payment_services.deduction_record(
            actor=self.actor,
            installment=installment,
            audit=audit,
            amount=row["amount"],
            decided_on=row["decided_on"],
            reason=row["reason"],
        )
        return "created"

    def payment(self, row, _place):
        installment = self._installment(row["contract"], row["installment"])
        existing = self.payments.get(row["voucher_number"])
        if existing is not None:
            same = (
                existing.kind == Payment.Kind.PAYMENT
                and existing.installment_id == installment.pk
                and existing.paid_on == row["paid_on"]
                and existing.amount == row["amount"]
            )
            if same:
                return "unchanged"
            raise RowProblem(
                "凭证号",
                _(
                    "凭证号 %(voucher)s 的支付已过账，不能修改；如有错误，请在“冲销”表登记冲销后重新支付。"
                )
                % {"voucher": row["voucher_number"]},
            )
        self.payments[row["voucher_number"]] = self._services(installment).payment_post(
            actor=self.actor,
            installment=installment,
            paid_on=row["paid_on"],
            amount=row["amount"],
            voucher_number=row["voucher_number"],
            imported=True,
        )
        return "created"

    def reversal(self, row, _place):
        original = self._ref(
            self.payments,
            row["original"],
            sheet="支付",
            column="原凭证号",
            label=LABELS["支付凭证"],
            others=lambda: Payment.objects.filter(voucher_number=row["original"]),
        )
        existing = self.payments.get(row["voucher_number"])
        if existing is not None:
            same = (
                existing.kind == Payment.Kind.REVERSAL
                and existing.reverses_id == original.pk
                and existing.paid_on == row["reversed_on"]
            )
            if same:
                return "unchanged"
            raise RowProblem(
                "冲销凭证号",
                _("凭证号 %(voucher)s 已过账，不能修改。") % {"voucher": row["voucher_number"]},
            )
        self.payments[row["voucher_number"]] = payment_services.payment_reverse(
            actor=self.actor,
            payment=original,
            reversed_on=row["reversed_on"],
            voucher_number=row["voucher_number"],
            reason=row["reason"],
        )
        return "created"


class _BooksServices:
    """The batch entry point (payments.bulk.NewBooks) under the services' call signatures."""

    def __init__(self, books: NewBooks):
        self.books = books

    def document_add(self, *, actor, **kwargs):
        return self.books.document_add(**kwargs)

    def document_receive(self, *, actor, **kwargs):
        return self.books.document_receive(**kwargs)

    def installment_transition(self, *, actor, **kwargs):
        return self.books.installment_transition(**kwargs)

    def payment_post(self, *, actor, **kwargs):
        return self.books.payment_post(**kwargs)


def run_record(*, run: ImportRun, result: Result) -> ImportRun:
    """Keep a run's counts and problems (the import history and the preview)."""
    run.counts = result.counts_dict()
    run.problems = [
        {"sheet": p.sheet, "row": p.row, "column": p.column, "message": p.message, "value": p.value}
        for p in result.problems[:1000]
    ] + [
        {"sheet": p.sheet, "row": p.row, "column": p.column, "message": p.message, "warning": True}
        for p in result.warnings[:200]
    ]
    run.problem_count = len(result.problems)
    return run
