-- TEMPORARY stand-in for issue-12a's V12 (the collection catalog, as agreed between the two
-- branches): removed when main brings the real V12. Only the columns V20 builds on.
CREATE TABLE rxsync_collections (
    name         varchar(100) PRIMARY KEY,
    table_name   regclass     NOT NULL,
    owner_column name         NOT NULL
);
INSERT INTO rxsync_collections (name, table_name, owner_column) VALUES ('orders', 'orders', 'user_id');
