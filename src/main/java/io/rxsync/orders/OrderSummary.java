package io.rxsync.orders;

import io.vertx.mutiny.sqlclient.Row;
import java.time.OffsetDateTime;
import java.util.UUID;

/** An order as server-side work sees it (fulfilment, payment callbacks): no replication columns. */
public record OrderSummary(UUID id, UUID userId, String status, long totalCents, String currency,
                           String metadata, OffsetDateTime createdAt) {

    /** The select list every query returning summaries uses, in this order. */
    static final String COLUMNS = "o.id, o.user_id, o.status, o.total_cents, o.currency, o.metadata::text, o.created_at";

    static OrderSummary from(Row row) {
        return new OrderSummary(row.getUUID(0), row.getUUID(1), row.getString(2), row.getLong(3),
                row.getString(4), row.getString(5), row.getOffsetDateTime(6));
    }
}
