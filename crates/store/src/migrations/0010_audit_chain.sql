-- kaifaqu schema 10: the audit log's keyed hash chain (等保 安全审计 c: records protected against
-- deletion, modification or overwrite). Each zone's records (zone_id NULL: the system's, chain 0)
-- form one chain: record n carries its position `chain_seq` and `chain_hash` =
-- HMAC-SHA256(key, hash of record n-1 ‖ record n). `audit_chain_heads` holds each chain's last
-- position and hash, updated in the same transaction as the record; updating it serialises a
-- zone's appends, so a chain never forks. Records written before this schema have no position
-- and are reported as unchained by the verifier (`kaifaqu audit verify`).

ALTER TABLE audit_log ADD COLUMN chain_seq BIGINT;
ALTER TABLE audit_log ADD COLUMN chain_hash TEXT;

CREATE TABLE audit_chain_heads (
    chain BIGINT NOT NULL PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

CREATE UNIQUE INDEX audit_chain_position ON audit_log (zone_id, chain_seq);
