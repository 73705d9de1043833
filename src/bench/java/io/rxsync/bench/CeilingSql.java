package io.rxsync.bench;

/**
 * pgbench scripts of the raw-SQL ceilings. The page query is the service's own
 * (CollectionSql.pullPage for orders, as sent); the checkpoint's id is computed from the
 * page number, which the seeding makes possible (BenchDatabase). Keep it in step with
 * CollectionSql when that changes.
 */
final class CeilingSql {

    private CeilingSql() {
    }

    private static final String PAGE_QUERY = """
            SELECT t.id::text, t.user_id::text, t.status::text, t.total_cents::text, t.currency::text, \
            t.note::text, t.metadata::text, t.deleted, t.change_xid::text, NULL::text FROM orders t \
            WHERE t.user_id = :uid::text::uuid \
            AND (t.change_xid, t.id) > (:xid::text::xid8, ('00000000-0000-4000-' || :prefix::text || '-' || lpad(to_hex(:g::bigint), 12, '0'))::uuid) \
            AND t.change_xid < rxsync_watermark() ORDER BY t.change_xid, t.id LIMIT :batch::int;
            """;

    private static final String RANDOM_PAGE = """
            \\set p random(0, :pages - 1)
            \\set g :p * :batch
            """;

    /** A random full page by the page query alone, as the table owner: the strict ceiling. */
    static final String PULL_PAGE = RANDOM_PAGE + PAGE_QUERY;

    /**
     * The same page in the transaction the service wraps it in, as the runtime role under
     * row-level security: BEGIN, declare the user (rxsync_act_for, V9), the page, COMMIT.
     */
    static final String PULL_PAGE_IN_TRANSACTION = RANDOM_PAGE + """
            BEGIN;
            SELECT rxsync_act_for(:uid);
            """ + PAGE_QUERY + "COMMIT;\n";

    private static final String COLUMNS = "INSERT INTO orders (id, user_id, status, total_cents, currency, note, metadata, deleted)\n";
    private static final String OWNER = "('00000000-0000-4000-8000-' || lpad(to_hex(:firstuser::int + :client_id::int), 12, '0'))::uuid";

    /** 100 new orders of this client's user in one INSERT … ON CONFLICT DO NOTHING. */
    static final String PUSH_NEW = COLUMNS + "SELECT gen_random_uuid(), " + OWNER + """
            , 'paid', g, 'EUR', 'bench order', jsonb_build_object('channel', 'web', 'paymentRef', 'pay_' || g), false
            FROM generate_series(1, 100) g
            ON CONFLICT (id) DO NOTHING;
            """;

    /** The same 100 orders of this client's user rewritten by one INSERT … ON CONFLICT DO UPDATE. */
    static final String PUSH_UPDATE = "\\set v random(1, 1000000)\n" + COLUMNS
            + "SELECT ('00000000-0000-4000-" + BenchDatabase.CEILING_ORDER_PREFIX
            + "-' || lpad(to_hex((:firstuser::int + :client_id::int) * 1000 + g), 12, '0'))::uuid, " + OWNER + """
            , 'shipped', :v::int + g, 'EUR', 'bench order', jsonb_build_object('channel', 'web', 'paymentRef', 'pay_' || g), false
            FROM generate_series(1, 100) g
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, total_cents = excluded.total_cents,
                currency = excluded.currency, note = excluded.note, metadata = excluded.metadata, deleted = excluded.deleted;
            """;
}
