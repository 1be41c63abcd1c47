-- An index under every foreign-key column that had none. Without one, deleting a user (or a role, or a service action)
-- makes PostgreSQL scan each referencing table in full, once per deleted row, to apply ON DELETE SET NULL/CASCADE:
-- deleting 10k users beside 100k resources took minutes of CPU (found by bench/authz's clean-up). The "who created
-- this" columns are also what an admin filters by.
-- Tables are small when this runs on a new deployment. On a large live database, create these by hand first with
-- CREATE INDEX CONCURRENTLY and the same names; IF NOT EXISTS then makes this script a no-op.
-- tests/Sentinel.Integration.Tests/Migrations/MigrationTests.cs checks that no foreign key is left without an index.
CREATE INDEX IF NOT EXISTS workspaces_created_by_idx ON workspaces (created_by);
CREATE INDEX IF NOT EXISTS groups_created_by_idx ON groups (created_by);
CREATE INDEX IF NOT EXISTS resource_permissions_owner_idx ON resource_permissions (owner_id);
CREATE INDEX IF NOT EXISTS resource_shares_granted_by_idx ON resource_shares (granted_by);
CREATE INDEX IF NOT EXISTS roles_created_by_idx ON roles (created_by);
CREATE INDEX IF NOT EXISTS role_actions_service_action_idx ON role_actions (service_action_id);
CREATE INDEX IF NOT EXISTS user_roles_assigned_by_idx ON user_roles (assigned_by);
CREATE INDEX IF NOT EXISTS user_roles_role_idx ON user_roles (role_id);
CREATE INDEX IF NOT EXISTS group_roles_assigned_by_idx ON group_roles (assigned_by);
CREATE INDEX IF NOT EXISTS group_roles_role_idx ON group_roles (role_id);
CREATE INDEX IF NOT EXISTS client_apps_created_by_idx ON client_apps (created_by);
CREATE INDEX IF NOT EXISTS service_apps_created_by_idx ON service_apps (created_by);
