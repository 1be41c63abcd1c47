-- Orleans ADO.NET query registry.
--
-- Every Orleans ADO.NET provider (persistence, and clustering/reminders if we
-- adopt them later) loads the SQL it executes from this table at silo start-up.
-- The lookup each provider runs is hard-coded and unquoted, i.e.
--     SELECT QueryKey, QueryText FROM OrleansQuery WHERE QueryKey = ...
-- PostgreSQL folds unquoted identifiers to lower case, so the table and its
-- columns MUST be the unquoted/lower-case names orleansquery, querykey and
-- querytext. Do not rename them and do not create them with quoted mixed case.
--
-- Note for the DbUp runner: keep every script in sql/orleans free of the
-- dollar character. DbUp treats dollar-delimited words as variables to
-- substitute and fails on unknown ones (dollar-quoting included).

CREATE TABLE orleansquery
(
    querykey  varchar(64) NOT NULL,
    querytext text        NOT NULL,
    CONSTRAINT orleansquery_pkey PRIMARY KEY (querykey)
);
