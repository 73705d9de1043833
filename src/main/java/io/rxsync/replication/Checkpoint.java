package io.rxsync.replication;

import io.rxsync.web.ApiException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.UUID;

/**
 * A client's replication checkpoint {@code {id, lwt}} as it travels on the wire, and the
 * position in {@code (change_xid, id)} order it stands for.
 *
 * <p>{@code lwt} is the {@code change_xid} of the last document the client received. The
 * server only ever hands out whole numbers, but RxDB clients may carry a fractional one
 * (from another server, or a hand-made initial checkpoint): it means "after every change
 * of transaction floor(lwt)", i.e. the position before the first id of ceil(lwt).
 *
 * @param lwt the wire value, echoed unchanged when a pull finds nothing
 * @param id  the wire id ({@code ""} before the first document)
 */
public record Checkpoint(BigDecimal lwt, String id) {

    public static final int MAX_ID_LENGTH = 512;
    private static final BigDecimal MAX_XID = BigDecimal.valueOf(Long.MAX_VALUE);
    /** Digits after the point (or zeros before it) a lwt may have: far more than any client writes. */
    private static final int MAX_LWT_SCALE = 30;
    private static final String NIL_UUID = "00000000-0000-0000-0000-000000000000";

    public static Checkpoint initial() {
        return new Checkpoint(BigDecimal.ZERO, "");
    }

    /** The checkpoint of a document the server read at {@code xid}. */
    public static Checkpoint of(long xid, String id) {
        return new Checkpoint(BigDecimal.valueOf(xid), id);
    }

    /**
     * Parses the query parameters of a pull. Absent values mean the first pull.
     *
     * @throws io.rxsync.web.ApiException 400 for anything that is not a checkpoint
     */
    public static Checkpoint parse(String lwtParam, String idParam, Field idField) {
        BigDecimal lwt = parseLwt(lwtParam);
        String id = idParam == null ? "" : idParam;
        if (id.length() > MAX_ID_LENGTH) {
            throw ApiException.badRequest("checkpoint id is longer than " + MAX_ID_LENGTH + " characters");
        }
        if (!id.isEmpty() && idField.type() == FieldType.UUID && !isUuid(id)) {
            throw ApiException.badRequest("checkpoint id must be a uuid in this collection");
        }
        return new Checkpoint(lwt, id);
    }

    private static BigDecimal parseLwt(String raw) {
        if (raw == null || raw.isEmpty()) {
            return BigDecimal.ZERO;
        }
        BigDecimal lwt;
        try {
            lwt = new BigDecimal(raw.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("checkpoint lwt must be a number");
        }
        if (lwt.signum() < 0) {
            throw ApiException.badRequest("checkpoint lwt must not be negative");
        }
        // 1e-999999999 is a valid number of 12 characters whose plain form has a billion digits
        if (lwt.scale() > MAX_LWT_SCALE || lwt.scale() < -MAX_LWT_SCALE) {
            throw ApiException.badRequest("checkpoint lwt has too many digits");
        }
        if (lwt.compareTo(MAX_XID) > 0) {
            throw ApiException.badRequest("checkpoint lwt is out of range");
        }
        // echoed back as written, but never in exponent form (1E+3 -> 1000)
        return new BigDecimal(lwt.toPlainString());
    }

    /** The transaction id part of the position. */
    public long xid() {
        return isWhole() ? lwt.longValueExact() : lwt.setScale(0, RoundingMode.CEILING).longValueExact();
    }

    /** The id part of the position, as the SQL text to cast to the id column's type. */
    public String sqlId(Field idField) {
        if (!isWhole() || id.isEmpty()) {
            return idField.type() == FieldType.UUID ? NIL_UUID : "";
        }
        return id;
    }

    private boolean isWhole() {
        return lwt.signum() == 0 || lwt.stripTrailingZeros().scale() <= 0;
    }

    /** The smallest id of a collection, below every real document id. */
    public static String lowestId(Field idField) {
        return idField.type() == FieldType.UUID ? NIL_UUID : "";
    }

    /** Whether a value is a uuid in canonical (lower-case) text form. */
    public static boolean isUuid(String value) {
        if (value.length() != 36) {
            return false;
        }
        try {
            return UUID.fromString(value).toString().equals(value);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
