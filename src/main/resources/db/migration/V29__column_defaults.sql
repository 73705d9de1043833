-- The catalog the server reads at startup also gives each column's default expression.
--
-- A column that is NOT NULL with a default is optional in the derived RxDB schema, so a
-- client may leave it out; the batched insert then sent an explicit NULL and the push failed
-- on the constraint, on every retry. With the expression the insert uses it for an absent
-- value (CollectionSql), as PostgreSQL would have for an omitted column. Generated columns
-- have an expression too, but it is not a default: none is given for them.
CREATE OR REPLACE FUNCTION public.rxsync_declared_collections() RETURNS SETOF jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object(
        'name', c.name,
        'table', c.table_name::text,
        'scope', coalesce(c.scope, jsonb_build_object('kind', 'owner', 'column', c.owner_column)),
        'schemaVersion', c.schema_version,
        'serverOnly', to_jsonb(c.server_only::text[]),
        'readOnly', to_jsonb(c.read_only::text[]),
        'clientMayCreate', c.client_may_create,
        'clientMayDelete', c.client_may_delete,
        'tombstones', c.tombstones,
        'description', c.description,
        'columns', (SELECT jsonb_agg(jsonb_build_object(
                        'name', a.attname,
                        'type', format_type(a.atttypid, NULL),
                        'length', CASE WHEN a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype) AND a.atttypmod > 4
                                       THEN a.atttypmod - 4 END,
                        'collation', (SELECT coll.collname FROM pg_collation coll WHERE coll.oid = a.attcollation),
                        'notNull', a.attnotnull,
                        'hasDefault', a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '',
                        'defaultExpression', (SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
                                               WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum
                                                 AND a.attgenerated = '')) ORDER BY a.attnum)
                      FROM pg_attribute a
                     WHERE a.attrelid = c.table_name AND a.attnum > 0 AND NOT a.attisdropped),
        'primaryKey', (SELECT coalesce(jsonb_agg(a.attname ORDER BY a.attnum), '[]')
                         FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                        WHERE i.indrelid = c.table_name AND i.indisprimary),
        'constraints', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                            'name', con.conname,
                            'kind', con.contype,
                            'columns', (SELECT coalesce(jsonb_agg(a.attname ORDER BY a.attnum), '[]')
                                          FROM pg_attribute a
                                         WHERE a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey)),
                            'definition', pg_get_constraintdef(con.oid)) ORDER BY con.conname), '[]')
                          FROM pg_constraint con
                         WHERE con.conrelid = c.table_name),
        'triggers', (SELECT coalesce(jsonb_agg(p.proname::text ORDER BY p.proname), '[]')
                       FROM pg_trigger tg JOIN pg_proc p ON p.oid = tg.tgfoid
                      WHERE tg.tgrelid = c.table_name AND NOT tg.tgisinternal AND tg.tgenabled <> 'D'))
    FROM public.rxsync_collections c
    ORDER BY c.name
$$;

