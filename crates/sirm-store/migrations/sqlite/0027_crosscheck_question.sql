-- SIRM schema v27: a discrepancy asked about is addressed to the employer
-- (`employer:<credit code>`) or the person (`person:<blind index>`), who
-- answers it in the portal (crosscheck.answered); '' when asked outside SIRM.
ALTER TABLE crosscheck_discrepancy ADD COLUMN addressee TEXT NOT NULL DEFAULT '';
ALTER TABLE crosscheck_discrepancy ADD COLUMN answer TEXT NOT NULL DEFAULT '';
ALTER TABLE crosscheck_discrepancy ADD COLUMN answered_by TEXT NOT NULL DEFAULT '';
CREATE INDEX crosscheck_discrepancy_addressee ON crosscheck_discrepancy (addressee, status);
