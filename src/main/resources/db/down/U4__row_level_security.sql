-- Reverts V4__row_level_security.sql. The runtime role itself stays: roles belong to the
-- whole cluster, and other databases may use it.
DROP POLICY orders_change_pump ON orders;
DROP POLICY orders_owner ON orders;
DROP POLICY users_change_pump ON users;
DROP POLICY users_auth ON users;
DROP POLICY users_self ON users;

ALTER TABLE orders DISABLE ROW LEVEL SECURITY;
ALTER TABLE users DISABLE ROW LEVEL SECURITY;

REVOKE SELECT, INSERT, UPDATE, DELETE ON users, orders FROM "${app_role}";
REVOKE USAGE ON SCHEMA public FROM "${app_role}";

DELETE FROM flyway_schema_history WHERE version = '4';
