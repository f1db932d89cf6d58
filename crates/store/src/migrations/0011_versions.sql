-- kaifaqu schema 11: optimistic versions on the editable records that lacked one (standard
-- parcels, idle plants, hazards), and the anchors that keep the audit chain verifiable after a
-- retention purge.
--
-- `version` starts at 1 and grows by one with every saved edit; an edit names the version it
-- was made on and the UPDATE's WHERE carries it, so a stale edit changes no row (HTTP 409).
--
-- `audit_chain_anchors`: when `kaifaqu audit purge` removes a chain's oldest records (older
-- than 180 days), the chain's anchor records the position and hash of the last removed record
-- and a MAC over both under the chain key; the verifier starts the chain from the anchor instead
-- of from position 1. Without the key an anchor cannot be forged or moved.

ALTER TABLE land_parcels ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE idle_plants ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE hazards ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE audit_chain_anchors (
    chain BIGINT NOT NULL PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    purged_before TEXT NOT NULL,
    purged_at TEXT NOT NULL,
    mac TEXT NOT NULL
);
