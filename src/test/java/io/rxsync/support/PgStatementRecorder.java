package io.rxsync.support;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A TCP proxy in front of PostgreSQL that records every statement the server is asked to
 * run, read from the wire protocol itself: one entry per simple {@code Query} message and
 * one per extended-protocol {@code Execute} (with the SQL text of the statement it executes).
 * It sees what the server receives from any client library (the Vert.x pool, Hibernate
 * Reactive, LISTEN connections), so no layer of ours can hide a statement from it.
 *
 * <p>Not for TLS: a test client connects in plain text (the Vert.x default).
 */
public final class PgStatementRecorder implements AutoCloseable {

    private static final int SSL_REQUEST = 80877103;
    private static final int GSSENC_REQUEST = 80877104;
    private static final int CANCEL_REQUEST = 80877102;

    private final ServerSocket listener;
    private final String upstreamHost;
    private final int upstreamPort;
    private final List<String> statements = new ArrayList<>();
    private volatile boolean closed;

    private PgStatementRecorder(ServerSocket listener, String upstreamHost, int upstreamPort) {
        this.listener = listener;
        this.upstreamHost = upstreamHost;
        this.upstreamPort = upstreamPort;
    }

    /** Listens on a free loopback port and forwards to the server at {@code host:port}. */
    public static PgStatementRecorder start(String host, int port) throws IOException {
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        PgStatementRecorder recorder = new PgStatementRecorder(listener, host, port);
        Thread acceptor = new Thread(recorder::acceptLoop, "pg-recorder-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return recorder;
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** How many statements were recorded so far: a mark to pass to {@link #since(int)}. */
    public synchronized int mark() {
        return statements.size();
    }

    /** The statements recorded after {@code mark}, in the order the server received them. */
    public synchronized List<String> since(int mark) {
        return List.copyOf(statements.subList(mark, statements.size()));
    }

    /**
     * Waits until no statement has arrived for {@code quietMillis} (at most 10 s), so that
     * the asynchronous reactions of a request (a wake-up, a NOTIFY) are counted with it.
     */
    public List<String> settledSince(int mark, long quietMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        int seen = -1;
        long lastChange = System.currentTimeMillis();
        while (System.currentTimeMillis() < deadline) {
            int now = mark();
            if (now != seen) {
                seen = now;
                lastChange = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - lastChange >= quietMillis) {
                break;
            }
            Thread.sleep(20);
        }
        return since(mark);
    }

    private synchronized void record(String sql) {
        statements.add(sql == null ? "<unknown statement>" : sql.strip());
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(upstreamHost, upstreamPort);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                daemon(() -> copy(server, client), "pg-recorder-down");
                daemon(() -> relayFrontend(client, server), "pg-recorder-up");
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("statement recorder: " + e);
                }
            }
        }
    }

    /** Client to server: forwarded unchanged, message by message, recording what runs. */
    private void relayFrontend(Socket client, Socket server) {
        Map<String, String> sqlByStatement = new HashMap<>();
        Map<String, String> sqlByPortal = new HashMap<>();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(client.getInputStream()));
             OutputStream out = new BufferedOutputStream(server.getOutputStream())) {
            // Startup phase: length-prefixed packets without a type byte.
            while (true) {
                int length = in.readInt();
                byte[] body = in.readNBytes(length - 4);
                writeInt(out, length);
                out.write(body);
                out.flush();
                int code = ((body[0] & 0xff) << 24) | ((body[1] & 0xff) << 16) | ((body[2] & 0xff) << 8) | (body[3] & 0xff);
                if (code == CANCEL_REQUEST) {
                    return;
                }
                if (code != SSL_REQUEST && code != GSSENC_REQUEST) {
                    break; // the StartupMessage: typed messages follow
                }
            }
            while (true) {
                int type = in.read();
                if (type < 0) {
                    return;
                }
                int length = in.readInt();
                byte[] body = in.readNBytes(length - 4);
                if (body.length != length - 4) {
                    throw new EOFException();
                }
                switch (type) {
                    case 'Q' -> record(cString(body, 0));
                    case 'P' -> {
                        String name = cString(body, 0);
                        sqlByStatement.put(name, cString(body, name.getBytes(StandardCharsets.UTF_8).length + 1));
                    }
                    case 'B' -> {
                        String portal = cString(body, 0);
                        String statement = cString(body, portal.getBytes(StandardCharsets.UTF_8).length + 1);
                        sqlByPortal.put(portal, sqlByStatement.get(statement));
                    }
                    case 'E' -> record(sqlByPortal.get(cString(body, 0)));
                    default -> {
                    }
                }
                out.write(type);
                writeInt(out, length);
                out.write(body);
                if (in.available() == 0) {
                    out.flush();
                }
            }
        } catch (IOException e) {
            // a side closed the connection
        } finally {
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    private static void copy(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            byte[] buffer = new byte[16 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // a side closed the connection
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static String cString(byte[] body, int from) {
        int end = from;
        while (end < body.length && body[end] != 0) {
            end++;
        }
        return new String(body, from, end - from, StandardCharsets.UTF_8);
    }

    private static void writeInt(OutputStream out, int value) throws IOException {
        out.write(value >>> 24);
        out.write(value >>> 16);
        out.write(value >>> 8);
        out.write(value);
    }

    private static void daemon(Runnable task, String name) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
    }
}
