"""Many new contracts at once (an import's): checked as :func:`contracts.services.contract_create`
checks one, in memory, then inserted with ``bulk_create`` and their history rows.

The numbers already taken in the bureau are read once; a number taken, or given twice,
is refused with the per-row service's message. Changing a contract keeps the per-row
service.
"""

from django.core.exceptions import ValidationError

from accounts.caching import records_changed
from accounts.models import Bureau, User
from accounts.records import BulkHistory, insert_records
from contracts import services
from contracts.models import Award, Contract

BATCH = 2000


class NewContracts:
    def __init__(self, *, actor: User, bureau: Bureau):
        self.actor, self.bureau = actor, bureau
        self.contracts: list[Contract] = []
        self.history = BulkHistory(actor)
        self.taken = {c.number: c for c in Contract.objects.filter(bureau=bureau)}

    def contract_create(self, *, award: Award, **data) -> Contract:
        """:func:`services.contract_create`, in memory until :meth:`save`."""
        contract = Contract(award=award, bureau=self.bureau, **data)
        if award.project.bureau_id != self.bureau.pk:
            raise ValueError("an award of another bureau")
        services._check_contract_owner(contract.owner, previous_owner_id=None)
        services.contract_validate(contract)
        other = self.taken.get(contract.number)
        if other is not None:
            raise ValidationError({"number": services.number_taken(contract.number, other)})
        # The award and bureau are saved records at hand: no query checks them.
        contract.full_clean(
            exclude=["award", "bureau", "owner"], validate_unique=False, validate_constraints=False
        )
        self.taken[contract.number] = contract
        self.contracts.append(contract)
        self.history.saved(contract)
        return contract

    def save(self) -> None:
        if not self.contracts:
            return
        insert_records(Contract, self.contracts, BATCH)
        self.history.write()
        records_changed(self.bureau.pk)
        self.contracts = []
