-- kaifaqu schema 20: the purge boundary in each audit-chain anchor (issue 10, J3). `boundary` is
-- the id of the chain's last record a purge removed. No record of that chain may exist at or
-- below it afterwards, and no record without a chain position at or below any anchor's boundary
-- (those from before the chain began are older than every chained record, so a purge that
-- reached chained records removed them too): `kaifaqu audit verify` reports such a record as
-- forged. The anchor's MAC covers the boundary. Anchors written before this schema have none
-- (NULL) and keep their MAC until the next purge moves them.
ALTER TABLE audit_chain_anchors ADD COLUMN boundary BIGINT;
