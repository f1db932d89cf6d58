-- kaifaqu schema 13: authentication profiles and the second factor (issue 10 A2, A5).
-- password_changed_at: when the password was last set (the 等保 profile's 90-day expiry counts
-- from it; existing accounts start counting at this migration, set by the engine-specific part).
-- totp_secret: the confirmed TOTP secret, encrypted (store/src/crypto.rs: SM4-GCM, algorithm and
-- key id in the value); totp_pending: a secret being enrolled, until a first code confirms it;
-- totp_last_step: the last 30-second step a code was accepted for (a code is never accepted twice).

ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
