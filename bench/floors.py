"""The floors: hand-written SQL that computes what a page computes, as fast as one
statement can. The benchmark reports each page's time as a ratio to its floor."""

OUTSTANDING = """
    greatest(i.planned_amount - coalesce((
        SELECT sum(d.amount) FROM payments_deduction d
        WHERE d.installment_id = i.id AND d.decided_on <= %(until)s
          AND (d.withdrawn_on IS NULL OR d.withdrawn_on > %(until)s)), 0), 0)
    - coalesce((SELECT sum(p.amount) FROM payments_payment p
        WHERE p.installment_id = i.id AND p.paid_on <= %(until)s), 0)
"""


def execution(group: str) -> str:
    """Budget, paid, deducted, scheduled and late for a year, grouped by project or bureau.

    ``%(bureaus)s`` is the scope: an array of bureau ids.
    """
    if group == "project":
        key, join_i, join_p = (
            "w.project_id",
            "JOIN contracts_contract c ON c.id = i.contract_id JOIN contracts_award w ON w.id = c.award_id",
            "JOIN payments_installment i ON i.id = x.installment_id "
            "JOIN contracts_contract c ON c.id = i.contract_id JOIN contracts_award w ON w.id = c.award_id",
        )
        budget_key = "b.project_id"
    else:
        key, join_i, join_p, budget_key = "i.bureau_id", "", "", "b.bureau_id"
    paid_key = key if group == "project" else "x.bureau_id"
    return f"""
WITH budgets AS (
    SELECT {budget_key} AS k,
           sum(CASE WHEN e.kind = 'initial' THEN e.amount ELSE 0 END) AS initial,
           sum(CASE WHEN e.kind IN ('issued', 'increase') THEN e.amount
                    WHEN e.kind IN ('decrease', 'withdrawal') THEN -e.amount ELSE 0 END) AS issued,
           sum(CASE WHEN e.kind = 'increase' THEN e.amount
                    WHEN e.kind = 'decrease' THEN -e.amount ELSE 0 END) AS adjusted
    FROM payments_budget b
    JOIN payments_budgetevent e ON e.budget_id = b.id AND e.dated_on <= %(until)s
    WHERE b.bureau_id = ANY(%(bureaus)s) AND b.year = %(year)s
    GROUP BY 1
), paid AS (
    SELECT {paid_key} AS k, sum(x.amount) AS paid
    FROM payments_payment x {join_p}
    WHERE x.bureau_id = ANY(%(bureaus)s) AND x.paid_on BETWEEN %(jan1)s AND %(until)s
    GROUP BY 1
), deducted AS (
    SELECT {paid_key} AS k, sum(x.amount) AS deducted
    FROM payments_deduction x {join_p}
    WHERE x.bureau_id = ANY(%(bureaus)s) AND x.decided_on BETWEEN %(jan1)s AND %(until)s
      AND (x.withdrawn_on IS NULL OR x.withdrawn_on > %(until)s)
    GROUP BY 1
), owed AS (
    SELECT {key} AS k,
           sum(CASE WHEN i.due_date >= %(as_of)s AND o.outstanding > 0 THEN o.outstanding ELSE 0 END) AS scheduled,
           sum(CASE WHEN i.due_date < %(as_of)s AND o.outstanding > 0 THEN o.outstanding ELSE 0 END) AS late
    FROM payments_installment i {join_i}
    CROSS JOIN LATERAL (SELECT {OUTSTANDING} AS outstanding) o
    WHERE i.bureau_id = ANY(%(bureaus)s) AND i.due_date BETWEEN %(jan1)s AND %(dec31)s AND i.status <> 'cancelled'
      -- the shortcut the product takes too: a paid installment owes nothing unless it
      -- was paid or deducted after the as-of date
      AND (i.status <> 'paid'
           OR EXISTS (SELECT 1 FROM payments_payment q
                      WHERE q.installment_id = i.id AND q.paid_on > %(until)s)
           OR EXISTS (SELECT 1 FROM payments_deduction e
                      WHERE e.installment_id = i.id AND e.decided_on > %(until)s))
    GROUP BY 1
), keys AS (
    SELECT k FROM budgets UNION SELECT k FROM paid UNION SELECT k FROM deducted UNION SELECT k FROM owed
)
SELECT keys.k, budgets.initial, budgets.issued, budgets.adjusted, paid.paid, deducted.deducted,
       owed.scheduled, owed.late
FROM keys
LEFT JOIN budgets ON budgets.k = keys.k
LEFT JOIN paid ON paid.k = keys.k
LEFT JOIN deducted ON deducted.k = keys.k
LEFT JOIN owed ON owed.k = keys.k
"""


# The same columns the scan reads: what a notice says (contract, project, provider, owner).
REMINDER_ROWS = f"""
SELECT i.id, i.bureau_id, i.number, i.status, i.due_date, i.documents_due, i.approved_on,
       i.delay_reason, o.outstanding,
       EXISTS (SELECT 1 FROM payments_requireddocument r WHERE r.installment_id = i.id
               AND (r.received_on IS NULL OR r.received_on > %(until)s)) AS missing_documents,
       c.number, c.title, c.owner_id, p.owner_id, p.name, v.name, v.email
FROM payments_installment i
JOIN contracts_contract c ON c.id = i.contract_id
JOIN contracts_award w ON w.id = c.award_id
JOIN contracts_project p ON p.id = w.project_id
JOIN contracts_provider v ON v.id = w.provider_id
CROSS JOIN LATERAL (SELECT {OUTSTANDING} AS outstanding) o
WHERE i.status <> 'cancelled'
  AND (i.status <> 'paid'
       OR EXISTS (SELECT 1 FROM payments_payment q
                  WHERE q.installment_id = i.id AND q.paid_on > %(as_of)s)
       OR EXISTS (SELECT 1 FROM payments_deduction e
                  WHERE e.installment_id = i.id AND e.decided_on > %(as_of)s))
  AND (i.due_date <= %(horizon)s OR i.documents_due < %(as_of)s OR i.approved_on IS NOT NULL)
  AND o.outstanding > 0
"""
