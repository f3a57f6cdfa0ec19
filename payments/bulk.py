"""Many new installments at once: an import's contracts that have no schedule yet, with
their documents, steps and payments, built in memory and written in bulk.

:class:`NewBooks` is the payments services' batch entry point. Each call runs the very
checks the per-row services run (``schedule_errors``, ``check_transition``,
``check_received``, ``check_payment``... in payments/services.py), over the state kept in
memory instead of rows read back under a lock: nothing else can see or change these
installments before they are written, since they do not exist yet. They are written in
bulk (``accounts.records.insert_records``: COPY on PostgreSQL, ``bulk_create``
elsewhere), each saved state with its history row (the actor, and the reason a per-row
save would have written, import source included), and the records token of the bureau
moves once. On PostgreSQL the installments and documents take their keys from their
tables' sequences when scheduled and their rows go in at the end, in their final state;
the moves, payments and history rows that name them go in as they pile up (the foreign
keys are checked at the commit). Elsewhere the installments are inserted as scheduled
and their final states updated at the end.

Only new installments go this way; changing an existing one keeps the per-row services
(they lock it and read what was paid, deducted and decided).
"""

import datetime
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from accounts.caching import records_changed
from accounts.models import Bureau, User
from accounts.records import (
    BulkHistory,
    insert_records,
    insert_values,
    phrase,
    reserve_keys,
    values_of,
)
from accounts.records import require as _require
from contracts.models import Contract
from core.money import ZERO
from payments import services
from payments.models import Installment, InstallmentTransition, Payment, RequiredDocument

S = Installment.Status
BATCH = 2000
SPILL = 20_000  # records piled up in memory before they are inserted


class NewBooks:
    """New installments of one actor's bulk write, in memory until :meth:`save`."""

    def __init__(self, *, actor: User, bureau: Bureau):
        self.actor, self.bureau = actor, bureau
        self.installments: list[Installment] = []
        self.keys_reserved = False  # on PostgreSQL: keys taken, rows inserted at the end
        self.documents: list[RequiredDocument] = []
        self.transitions: list[InstallmentTransition] = []
        self.payments: list[Payment] = []
        self.history = BulkHistory(actor)
        self.bureau_ids: set[int] = set()
        # Once the installments are inserted (insert_schedules), what changes on them
        # afterwards, updated at the end; the records made meanwhile are inserted as they
        # pile up, so memory does not grow with every step of every installment.
        self.moved: dict[int, Installment] = {}
        self.received: dict[int, RequiredDocument] = {}

    # --- the services' calls, in memory ------------------------------------------------

    def schedule(self, *, contract: Contract, rows: list[services.ScheduleRow]):
        """:func:`services.schedule_save` for a contract without installments."""
        _require(self.actor, "payments.add_installment")
        if any(row.planned_amount is None for row in rows):
            raise ValidationError(_("每一期须填写金额或比例。"))
        errors = services.schedule_errors(contract, rows)
        if errors:
            raise ValidationError(errors)
        made = []
        for row in rows:
            if contract.bureau_id != self.bureau.pk:
                raise ValueError("a contract of another bureau")
            installment = Installment(bureau=self.bureau, contract=contract)
            services.fill_installment(installment, row)
            # The bureau and contract are saved records at hand: no query checks them.
            installment.full_clean(
                exclude=["bureau", "contract"], validate_unique=False, validate_constraints=False
            )
            installment._in_books = True
            installment._new_documents = []
            installment._new_paid = ZERO
            self.installments.append(installment)
            self.history.saved(installment, "+", "")
            for kind, name in services.new_documents(row):
                self._document(installment, kind, name)
            made.append(installment)
        self.bureau_ids.add(contract.bureau_id)
        return made

    def _document(self, installment: Installment, kind: str, name: str) -> RequiredDocument:
        document = RequiredDocument(installment=installment, kind=kind, name=name.strip())
        document.full_clean(exclude=["installment"], validate_unique=False)
        installment._new_documents.append(document)
        self.documents.append(document)
        self.history.saved(document, "+", "")
        return document

    @staticmethod
    def holds(installment: Installment) -> bool:
        """Whether ``installment`` was made here (its steps go through these calls)."""
        return getattr(installment, "_in_books", False)

    def documents_of(self, installment: Installment) -> list[RequiredDocument]:
        return installment._new_documents

    def document_add(self, *, installment: Installment, kind: str, name: str = ""):
        """:func:`services.document_add`."""
        _require(self.actor, "payments.add_requireddocument")
        services.check_document_add(installment)
        return self._document(installment, kind, name)

    def document_receive(self, *, document: RequiredDocument, received_on: datetime.date):
        """:func:`services.document_receive` of a date (no notice to resolve: the
        installment is new)."""
        _require(self.actor, "payments.change_requireddocument")
        services.check_received(self.actor, document.installment.bureau_id, received_on)
        document.received_on = received_on
        self.received[id(document)] = document
        self.history.saved(
            document, "~", services.dated_reason(phrase(services.RECEIVED), received_on)
        )
        self._spill()
        return document

    def _move(self, installment, *, to_status, reason, on):
        transition, _fields = services.moved(
            installment, to_status=to_status, actor=self.actor, reason=reason, on=on
        )
        self.transitions.append(transition)
        self.moved[id(installment)] = installment
        # moved() gave the whole reason (import source included), as _move saves it.
        self.history.saved(installment, "~", whole_reason=installment._change_reason)

    def installment_transition(
        self,
        *,
        installment: Installment,
        to_status: str,
        on: datetime.date | None = None,
        reason: str = "",
        imported: bool = False,
    ) -> Installment:
        """:func:`services.installment_transition`."""
        reason = reason.strip()
        on = services.check_transition(
            self.actor,
            installment,
            to_status=to_status,
            reason=reason,
            on=on,
            imported=imported,
            documents=lambda: installment._new_documents,
            gates=lambda: [],
            paid=lambda: installment._new_paid,
        )
        self._move(installment, to_status=to_status, reason=reason, on=on)
        if to_status == S.APPROVED:
            # No deduction can exist on a new installment: its net payable is its amount.
            settled = services.settle_reason(
                services.net_of(installment.planned_amount, ZERO),
                installment._new_paid,
                phrase(services.SETTLED),
            )
            if settled:
                self._move(installment, to_status=S.PAID, reason=settled, on=on)
        self._spill()
        return installment

    def payment_post(
        self,
        *,
        installment: Installment,
        paid_on: datetime.date,
        amount: Decimal,
        voucher_number: str,
        imported: bool = False,
    ) -> Payment:
        """:func:`services.payment_post`."""
        _require(self.actor, "payments.add_payment")
        services._check_duties(
            installment, actor=self.actor, to_status=S.PAID, imported=imported, on=paid_on
        )
        outstanding = services.check_payment(
            self.actor,
            installment,
            paid_on=paid_on,
            amount=amount,
            outstanding=lambda: (
                services.net_of(installment.planned_amount, ZERO) - installment._new_paid
            ),
        )
        services.check_voucher(voucher_number)
        payment = Payment(
            bureau_id=installment.bureau_id,
            installment=installment,
            voucher_number=voucher_number.strip(),
            posted_by=self.actor,
            kind=Payment.Kind.PAYMENT,
            paid_on=paid_on,
            amount=amount,
            request_key=uuid.uuid4(),
        )
        payment.full_clean(
            exclude=["request_key", "installment", "bureau", "posted_by"],
            validate_unique=False,
            validate_constraints=False,
        )
        self.payments.append(payment)
        installment._new_paid += amount
        if amount == outstanding:
            self._move(
                installment,
                to_status=S.PAID,
                reason=services.paid_off_reason(payment.voucher_number),
                on=paid_on,
            )
        self._spill()
        return payment

    # --- the writes ----------------------------------------------------------------------

    def insert_schedules(self) -> None:
        """Give the installments and documents made so far their keys, so that the
        records of their steps can be inserted as they pile up: on PostgreSQL from their
        tables' sequences, the rows themselves inserted by :meth:`save` in their final
        state; elsewhere inserted now, as scheduled, their later states updated by
        :meth:`save`."""
        new = [i for i in self.installments if i.pk is None]
        self.keys_reserved = reserve_keys(Installment, new)
        if not self.keys_reserved:
            insert_records(Installment, new, BATCH)
        self._insert_documents()
        self._spill(at=0)

    def _insert_documents(self) -> None:
        new = [d for d in self.documents if d.pk is None]
        for document in new:
            # Assigned again, not its key alone: setting the key of a relation clears
            # the related record kept on it, and each receipt would read it back.
            document.installment = document.installment
        if not reserve_keys(RequiredDocument, new):
            insert_records(RequiredDocument, new, BATCH)

    def _spill(self, at: int | None = None) -> None:
        """Insert the moves, payments and history rows piled up (at least ``at`` of them),
        once every installment they name has its key."""
        piled = len(self.transitions) + len(self.payments) + len(self.history.states)
        if piled < (SPILL if at is None else at) or any(
            i.pk is None for i in self.installments[-1:]
        ):
            return
        self._insert_documents()
        for record in (*self.transitions, *self.payments):
            record.installment_id = record.installment.pk
        # Their keys are never needed (a payment reversed in the file keeps the per-row
        # services): inserted as plain rows.
        for records in (self.transitions, self.payments):
            if records:
                model = type(records[0])
                names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
                get = values_of(model, tuple(names))
                insert_values(model, names, [list(get(r)) for r in records])
        self.history.write()
        self.transitions, self.payments = [], []

    def save(self) -> None:
        """Insert everything built, with the history of every state it went through."""
        if not self.installments:
            return
        self.insert_schedules()
        if self.keys_reserved:  # rows not inserted yet: they go in in their final state
            insert_records(Installment, self.installments, BATCH)
            insert_records(RequiredDocument, self.documents, BATCH)
        else:
            update_rows(
                Installment,
                list(self.moved.values()),
                ["status", "status_changed_at", "approved_on"],
            )
            update_rows(RequiredDocument, list(self.received.values()), ["received_on"])
        records_changed(*self.bureau_ids)
        self.__init__(actor=self.actor, bureau=self.bureau)


def update_rows(model, records: list, fields: list[str]) -> None:
    """Write ``fields`` of many saved rows, each with its own values, in few statements
    (``bulk_update`` builds an expression per row and field: minutes for 100,000 rows)."""
    records = [r for r in records if r.pk is not None]
    if not records:
        return
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    pk = model._meta.pk
    values = [
        [c.get_db_prep_save(getattr(r, c.attname), connection) for c in columns] + [r.pk]
        for r in records
    ]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{quote(c.column)} = %s" for c in columns)
            cursor.executemany(
                f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(pk.column)} = %s",
                values,
            )
            return
        casts = [c.db_type(connection) for c in columns] + [pk.db_type(connection)]
        row = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
        names = [f"c{i}" for i in range(len(columns))]
        sets = ", ".join(f"{quote(c.column)} = v.{n}" for c, n in zip(columns, names, strict=True))
        for start in range(0, len(values), BATCH):
            chunk = values[start : start + BATCH]
            cursor.execute(
                f"UPDATE {quote(model._meta.db_table)} AS t SET {sets} "
                f"FROM (VALUES {', '.join([row] * len(chunk))}) AS v({', '.join(names)}, id) "
                f"WHERE t.{quote(pk.column)} = v.id",
                [value for line in chunk for value in line],
            )
