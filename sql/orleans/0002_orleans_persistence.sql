-- Orleans grain state storage for Microsoft.Orleans.Persistence.AdoNet (10.x),
-- invariant "Npgsql". Contract: docs/orleans-storage-contract.md.
--
-- The provider executes whatever SQL is stored under its four query keys in
-- orleansquery (see 0001), binding named parameters (Npgsql accepts the @Name
-- form used below). Only the parameter names and the result column names are
-- dictated by the provider; the table below is ours.

CREATE TABLE orleans_storage
(
    -- 32-bit hashes computed client-side (OrleansDefaultHasher). They keep the
    -- key index narrow and selective but are NOT unique on their own.
    grain_id_hash             integer     NOT NULL,
    grain_type_hash           integer     NOT NULL,
    -- Natural key. Comparing these resolves hash collisions.
    -- grain_type_string holds the Orleans *state name* (e.g. "state" or the
    -- [PersistentState] name), not the grain class.
    service_id                text        NOT NULL,
    grain_type_string         text        NOT NULL,
    grain_id_n0               bigint      NOT NULL,
    grain_id_n1               bigint      NOT NULL,
    -- String grain key, or the key extension of a Guid/integer key; NULL when
    -- there is none. NULL and empty string are different grains.
    grain_id_extension_string text        NULL,
    -- Serialized state. NULL means "cleared" (row kept, version retained).
    payload_binary            bytea       NULL,
    -- Optimistic-concurrency version, surfaced to Orleans as the ETag.
    version                   integer     NOT NULL,
    modified_on               timestamptz NOT NULL DEFAULT now(),

    -- Bound the key columns so a key index entry always fits a btree page
    -- (limit ~2.7 kB); oversized keys fail with a clear check violation.
    CONSTRAINT orleans_storage_service_id_len CHECK (octet_length(service_id) <= 150),
    CONSTRAINT orleans_storage_grain_type_len CHECK (octet_length(grain_type_string) <= 512),
    CONSTRAINT orleans_storage_grain_ext_len  CHECK (octet_length(grain_id_extension_string) <= 1024),
    CONSTRAINT orleans_storage_version_pos    CHECK (version > 0),

    -- One row per grain state. This is what makes a concurrent first write
    -- (null ETag) safe: the losing INSERT hits the constraint and does nothing.
    -- NULLS NOT DISTINCT (PostgreSQL 15+) so grains without an extension
    -- string are unique too. No PRIMARY KEY: the extension column is nullable.
    -- The index behind the constraint, hashes first, is also the lookup index.
    CONSTRAINT orleans_storage_grain_key UNIQUE NULLS NOT DISTINCT
        (grain_id_hash, grain_type_hash, service_id, grain_type_string,
         grain_id_n0, grain_id_n1, grain_id_extension_string)
)
-- Leave room on each page so version bumps can be HOT updates.
WITH (fillfactor = 90);

-- Query texts. Keep them single statements without comments, and without
-- quote or dollar characters apart from the double-quoted result aliases: the
-- aliases must match the names the provider reads back, case included.

-- Read: zero or one row. Columns read by name: PayloadBinary (bytea, NULL when
-- cleared => RecordExists=false) and Version (int => ETag).
INSERT INTO orleansquery (querykey, querytext) VALUES ('ReadFromStorageKey',
'SELECT payload_binary AS "PayloadBinary", version AS "Version"
FROM orleans_storage
WHERE grain_id_hash = @GrainIdHash
  AND grain_type_hash = @GrainTypeHash
  AND service_id = @ServiceId
  AND grain_type_string = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0
  AND grain_id_n1 = @GrainIdN1
  AND grain_id_extension_string IS NOT DISTINCT FROM @GrainIdExtensionString');

-- Write: returns one row with the new version, or NO row on an ETag conflict
-- (the provider then throws InconsistentStateException).
--  * @GrainStateVersion NULL  => first write: insert version 1. If the row
--    already exists (another activation won, or a cleared row is still there)
--    ON CONFLICT DO NOTHING yields no row, so nothing is duplicated.
--  * @GrainStateVersion = N   => update only if the stored version is still N.
--    Under READ COMMITTED a concurrent writer that got there first makes the
--    re-checked predicate false, so exactly one of them gets N+1.
INSERT INTO orleansquery (querykey, querytext) VALUES ('WriteToStorageKey',
'WITH updated AS (
    UPDATE orleans_storage
    SET payload_binary = @PayloadBinary,
        version = version + 1,
        modified_on = now()
    WHERE @GrainStateVersion IS NOT NULL
      AND version = @GrainStateVersion
      AND grain_id_hash = @GrainIdHash
      AND grain_type_hash = @GrainTypeHash
      AND service_id = @ServiceId
      AND grain_type_string = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0
      AND grain_id_n1 = @GrainIdN1
      AND grain_id_extension_string IS NOT DISTINCT FROM @GrainIdExtensionString
    RETURNING version
), inserted AS (
    INSERT INTO orleans_storage
        (grain_id_hash, grain_type_hash, service_id, grain_type_string,
         grain_id_n0, grain_id_n1, grain_id_extension_string,
         payload_binary, version)
    SELECT @GrainIdHash, @GrainTypeHash, @ServiceId, @GrainTypeString,
           @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
           @PayloadBinary, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT ON CONSTRAINT orleans_storage_grain_key DO NOTHING
    RETURNING version
)
SELECT version AS "NewGrainStateVersion" FROM updated
UNION ALL
SELECT version FROM inserted');

-- Clear (DeleteStateOnClear = false): keep the row, drop the payload, bump the
-- version. Returns the new version in the first column, or no row on conflict.
INSERT INTO orleansquery (querykey, querytext) VALUES ('ClearStorageKey',
'UPDATE orleans_storage
SET payload_binary = NULL,
    version = version + 1,
    modified_on = now()
WHERE version = @GrainStateVersion
  AND grain_id_hash = @GrainIdHash
  AND grain_type_hash = @GrainTypeHash
  AND service_id = @ServiceId
  AND grain_type_string = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0
  AND grain_id_n1 = @GrainIdN1
  AND grain_id_extension_string IS NOT DISTINCT FROM @GrainIdExtensionString
RETURNING version AS "Version"');

-- Delete (DeleteStateOnClear = true): remove the row if the version matches.
-- The provider treats a returned value equal to the ETag it sent as a
-- conflict, so report deleted version + 1. No row means conflict.
INSERT INTO orleansquery (querykey, querytext) VALUES ('DeleteStorageKey',
'DELETE FROM orleans_storage
WHERE version = @GrainStateVersion
  AND grain_id_hash = @GrainIdHash
  AND grain_type_hash = @GrainTypeHash
  AND service_id = @ServiceId
  AND grain_type_string = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0
  AND grain_id_n1 = @GrainIdN1
  AND grain_id_extension_string IS NOT DISTINCT FROM @GrainIdExtensionString
RETURNING version + 1 AS "Version"');
