-- kaifaqu schema 15: personal data encrypted at rest (issue 10, L2) and optimistic versions on
-- contacts and enterprises (G1).
--
-- The phone numbers (`enterprises.contact_phone`, `users.phone`) keep their columns, which now
-- hold `sm4gcm:<key id>:<nonce>:<ciphertext+tag>` (store::crypto, the value's place
-- `<table>.<column>:<id>` as associated data). SQL cannot encrypt: the values written before this
-- schema are encrypted by `store::sensitive::seal_plaintext`, which `migrate::run` calls after
-- every run (idempotent: it touches only values not starting with `sm4gcm:`).
--
-- `<column>_bidx` is the blind index: HMAC-SHA256 of the normalised number (digits, no +86)
-- under a key derived from the crypto keyring, in hex. A search by phone number is an exact
-- match on it, through the index below.

ALTER TABLE enterprises ADD COLUMN contact_phone_bidx TEXT;
ALTER TABLE users ADD COLUMN phone_bidx TEXT;
CREATE INDEX enterprises_phone_bidx ON enterprises (zone_id, contact_phone_bidx);
CREATE INDEX users_phone_bidx ON users (phone_bidx);

ALTER TABLE contacts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE enterprises ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
