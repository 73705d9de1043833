package io.rxsync.bench;

/** Push bodies of the orders collection, written as text: the generator must stay cheap. */
final class OrderDocs {

    private OrderDocs() {
    }

    /** One order as the client holds it (what a pull returns, minus the server-only fields). */
    static String order(String id, String userId, long totalCents) {
        return "{\"id\":\"" + id + "\",\"userId\":\"" + userId + "\",\"status\":\"paid\",\"totalCents\":" + totalCents
                + ",\"currency\":\"EUR\",\"note\":\"bench order\","
                + "\"metadata\":{\"channel\":\"web\",\"paymentRef\":\"pay_" + totalCents + "\"},\"_deleted\":false}";
    }

    /** A push of new documents (no assumed master state). */
    static String insertBody(String userId, String[] ids, long totalCents) {
        StringBuilder body = new StringBuilder(ids.length * 260).append('[');
        for (int i = 0; i < ids.length; i++) {
            body.append(i == 0 ? "" : ",").append("{\"newDocumentState\":")
                    .append(order(ids[i], userId, totalCents)).append('}');
        }
        return body.append(']').toString();
    }

    /** A push that changes documents the client last saw with {@code fromCents} to {@code toCents}. */
    static String updateBody(String userId, String[] ids, long fromCents, long toCents) {
        StringBuilder body = new StringBuilder(ids.length * 520).append('[');
        for (int i = 0; i < ids.length; i++) {
            body.append(i == 0 ? "" : ",")
                    .append("{\"assumedMasterState\":").append(order(ids[i], userId, fromCents))
                    .append(",\"newDocumentState\":").append(order(ids[i], userId, toCents)).append('}');
        }
        return body.append(']').toString();
    }
}
