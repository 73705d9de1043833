package io.rxsync.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 by hand over a socket, for requests no well-behaved client library sends: a
 * request line or headers past the server's limits, a chunked body that never ends. The
 * server may answer and close before the request is fully written; the answer still counts.
 */
public final class RawHttp {

    /** An answer: status, headers (names lower-case), body as text. */
    public record Answer(int status, Map<String, String> headers, String body) {
    }

    private RawHttp() {
    }

    /**
     * Sends {@code head} (request line and headers, without the empty line that ends
     * them) and {@code body} (its Content-Length is added when it is not empty), and
     * reads the answer.
     */
    public static Answer exchange(URL server, String head, String body) throws IOException {
        byte[] data = body.getBytes(StandardCharsets.UTF_8);
        return send(server, head + (data.length > 0 ? "\r\nContent-Length: " + data.length : ""), out -> out.write(data));
    }

    /** Sends {@code head}, then {@code chunks} times {@code chunk} as a chunked body, and reads the answer. */
    public static Answer chunked(URL server, String head, String chunk, int chunks) throws IOException {
        byte[] data = chunk.getBytes(StandardCharsets.UTF_8);
        return send(server, head + "\r\nTransfer-Encoding: chunked", out -> {
            for (int i = 0; i < chunks; i++) {
                out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(data);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        });
    }

    private interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private static Answer send(URL server, String head, Body body) throws IOException {
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write((head + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
                body.writeTo(out);
                out.flush();
            } catch (IOException answeredAndClosed) {
                // the server refused before reading everything: read what it answered
            }
            return read(socket.getInputStream());
        }
    }

    private static Answer read(InputStream in) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            throw new IOException("the server closed the connection without an answer");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new TreeMap<>();
        for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).strip().toLowerCase(Locale.ROOT), header.substring(colon + 1).strip());
        }
        String length = headers.get("content-length");
        byte[] body = length != null ? in.readNBytes(Integer.parseInt(length)) : in.readAllBytes();
        return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }
}
