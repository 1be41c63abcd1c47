-- Which users started a refresh family through which client app, so an admin can revoke an app's sessions
-- (PATCH /admin/client-apps/{id} with revoke_sessions). Written at token issue, before the family exists, so it never
-- misses a live family; it may name users whose families have since ended (revocation then finds nothing to do).
-- No foreign keys: a row must never make token issue fail, and stale rows are harmless.
CREATE TABLE client_app_sessions (
    client_app_id    uuid        NOT NULL,
    user_id          uuid        NOT NULL,
    last_started_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_app_id, user_id)
);
