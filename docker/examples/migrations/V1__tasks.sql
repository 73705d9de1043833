-- A team's own collection for the packaged image (README, Add a collection: "In the
-- image"): this directory is mounted as RXSYNC_MIGRATIONS_DIR (docker/compose.yml; the
-- ConfigMap rxsync-migrations in Kubernetes) and applied after rxsync's migrations, with
-- its own history (rxsync_team_schema_history): numbering starts at V1 and never collides
-- with rxsync's. The Node test 15-team-migrations runs this very file.
CREATE TABLE tasks (
    id             uuid          PRIMARY KEY,
    user_id        uuid          NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title          varchar(120)  NOT NULL,
    status         varchar(16)   NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'doing', 'done')),
    priority       smallint      NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),
    estimate_hours numeric(6, 2) CHECK (estimate_hours >= 0),
    pinned         boolean       NOT NULL DEFAULT false,
    due_at         timestamptz,
    labels         jsonb,
    -- the RxDB schema cannot say this; the database enforces it (a push breaking it gets 400)
    CONSTRAINT tasks_title_not_blank CHECK (btrim(title) <> '')
);

SELECT rxsync_declare_collection(
    collection  => 'tasks',
    table_name  => 'tasks',
    scope       => '{"kind": "owner", "column": "user_id"}',
    description => 'The signed-in user''s tasks');
