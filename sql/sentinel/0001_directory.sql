-- Sentinel's directory: the contract's tables (API.md §4.1), plus the additions of §8.
-- Ids are application-generated UUIDs. Timestamps are timestamptz, default now().

CREATE TABLE users (
    id          uuid PRIMARY KEY,
    email       text NOT NULL,
    name        text NOT NULL DEFAULT '',
    avatar_url  text NULL,
    is_active   boolean NOT NULL DEFAULT true,
    is_admin    boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
-- §8.4: emails compare case-insensitively.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE INDEX users_created_at_idx ON users (created_at DESC);

CREATE TABLE social_accounts (
    id                uuid PRIMARY KEY,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider          text NOT NULL,
    provider_user_id  text NOT NULL,
    provider_data     jsonb NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT social_accounts_provider_key UNIQUE (provider, provider_user_id)
);
CREATE INDEX social_accounts_user_idx ON social_accounts (user_id);

CREATE TABLE workspaces (
    id           uuid PRIMARY KEY,
    slug         text NOT NULL,
    name         text NOT NULL,
    description  text NULL,
    created_by   uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT workspaces_slug_key UNIQUE (slug)
);

CREATE TABLE workspace_memberships (
    id            uuid PRIMARY KEY,
    workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role          text NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
    joined_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT workspace_memberships_key UNIQUE (workspace_id, user_id)
);
CREATE INDEX workspace_memberships_user_idx ON workspace_memberships (user_id);

CREATE TABLE groups (
    id            uuid PRIMARY KEY,
    workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name          text NOT NULL,
    description   text NULL,
    created_by    uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT groups_name_key UNIQUE (workspace_id, name)
);

CREATE TABLE group_memberships (
    id        uuid PRIMARY KEY,
    group_id  uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT group_memberships_key UNIQUE (group_id, user_id)
);
CREATE INDEX group_memberships_user_idx ON group_memberships (user_id);

CREATE TABLE resource_permissions (
    id             uuid PRIMARY KEY,
    service_name   text NOT NULL,
    resource_type  text NOT NULL,
    resource_id    uuid NOT NULL,
    workspace_id   uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    owner_id       uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    visibility     text NOT NULL DEFAULT 'workspace' CHECK (visibility IN ('private', 'workspace')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT resource_permissions_key UNIQUE (service_name, resource_type, resource_id)
);
CREATE INDEX resource_permissions_workspace_idx ON resource_permissions (workspace_id, service_name, resource_type);

CREATE TABLE resource_shares (
    id                      uuid PRIMARY KEY,
    resource_permission_id  uuid NOT NULL REFERENCES resource_permissions (id) ON DELETE CASCADE,
    grantee_type            text NOT NULL CHECK (grantee_type IN ('user', 'group')),
    grantee_id              uuid NOT NULL,
    permission              text NOT NULL CHECK (permission IN ('view', 'edit')),
    granted_by              uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    granted_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT resource_shares_key UNIQUE (resource_permission_id, grantee_type, grantee_id)
);
CREATE INDEX resource_shares_grantee_idx ON resource_shares (grantee_type, grantee_id);

CREATE TABLE service_actions (
    id            uuid PRIMARY KEY,
    service_name  text NOT NULL,
    action        text NOT NULL,
    description   text NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT service_actions_key UNIQUE (service_name, action)
);

CREATE TABLE roles (
    id            uuid PRIMARY KEY,
    workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name          text NOT NULL,
    description   text NULL,
    created_by    uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT roles_name_key UNIQUE (workspace_id, name)
);

CREATE TABLE role_actions (
    id                 uuid PRIMARY KEY,
    role_id            uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    service_action_id  uuid NOT NULL REFERENCES service_actions (id) ON DELETE CASCADE,
    CONSTRAINT role_actions_key UNIQUE (role_id, service_action_id)
);

CREATE TABLE user_roles (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id      uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    assigned_by  uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    assigned_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_roles_key UNIQUE (user_id, role_id)
);

-- Beyond the seed: roles assigned to groups.
CREATE TABLE group_roles (
    id           uuid PRIMARY KEY,
    group_id     uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    role_id      uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    assigned_by  uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    assigned_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT group_roles_key UNIQUE (group_id, role_id)
);

CREATE TABLE client_apps (
    id             uuid PRIMARY KEY,
    name           text NOT NULL,
    redirect_uris  text[] NOT NULL DEFAULT '{}',
    is_active      boolean NOT NULL DEFAULT true,
    created_by     uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE service_apps (
    id                     uuid PRIMARY KEY,
    name                   text NOT NULL,
    service_name           varchar(255) NOT NULL,
    key_hash               varchar(64) NOT NULL,
    key_prefix             varchar(12) NOT NULL,
    is_active              boolean NOT NULL DEFAULT true,
    allowed_origins        text[] NOT NULL DEFAULT '{}',
    allowed_idp_audiences  text[] NOT NULL DEFAULT '{}',
    last_used_at           timestamptz NULL,
    created_by             uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT service_apps_service_name_key UNIQUE (service_name),
    CONSTRAINT service_apps_key_hash_key UNIQUE (key_hash)
);

CREATE TABLE activity_logs (
    id            uuid PRIMARY KEY,
    action        text NOT NULL,
    actor_id      uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    target_type   text NOT NULL,
    target_id     uuid NOT NULL,
    workspace_id  uuid NULL REFERENCES workspaces (id) ON DELETE SET NULL,
    detail        jsonb NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activity_logs_created_idx ON activity_logs (created_at DESC);
CREATE INDEX activity_logs_workspace_idx ON activity_logs (workspace_id, created_at DESC);
CREATE INDEX activity_logs_actor_idx ON activity_logs (actor_id, created_at DESC);
