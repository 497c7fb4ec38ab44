-- SIRM schema v31 (PostgreSQL): the text keys of the tables a bulk append
-- writes by the million compare bytewise (COLLATE "C") instead of under the
-- database's locale. Every key is ASCII (blind indexes, months `YYYY-MM`,
-- credit codes, entry kinds, agency codes), so no order changes — bytewise
-- is also the order SQLite uses — but each B-tree insert no longer goes
-- through strcoll (docs/benchmarks.md, "Projections applied in bulk").
-- Only the indexes are rebuilt; the rows stay where they are. Columns of
-- other tables keep the default collation: comparing a "C" column with one
-- of the default collation uses "C".
DO $$
DECLARE
    k TEXT[];
BEGIN
    FOREACH k SLICE 1 IN ARRAY ARRAY[
        ['ledger_entry', 'stream'], ['ledger_entry', 'kind'], ['ledger_entry', 'subject'],
        ['registration_history', 'subject'],
        ['person', 'person_id'],
        ['employment', 'person_id'], ['employment', 'credit_code'], ['employment', 'start_on'],
        ['contribution', 'person_id'], ['contribution', 'month'], ['contribution', 'credit_code'],
        ['contribution_summary', 'month'], ['contribution_summary', 'credit_code'],
        ['contribution_person_year', 'person_id'],
        ['insured_summary', 'month'], ['insured_summary', 'agency'], ['insured_summary', 'gender'],
        ['account_year', 'person_id'],
        ['benefit', 'person_id'],
        ['benefit_payment', 'person_id'], ['benefit_payment', 'month'],
        ['unemployment_claim', 'person_id'],
        ['unemployment_payment', 'person_id'], ['unemployment_payment', 'month'],
        ['pension_adjustment', 'person_id']
    ]
    LOOP
        EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE TEXT COLLATE "C"', k[1], k[2]);
    END LOOP;
END $$;
