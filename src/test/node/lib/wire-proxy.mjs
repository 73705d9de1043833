// A counting proxy for the wire: clients talk to it instead of the server, and it records
// what really crossed the connection for every exchange (status, Content-Encoding, body
// bytes as sent), passing every chunk on the moment it arrives so that streams stay live.
// Node's fetch decodes gzip and brotli out of sight; this is where a test can see them.
import http from 'node:http';
import zlib from 'node:zlib';

const DECODERS = { gzip: zlib.gunzipSync, br: zlib.brotliDecompressSync, deflate: zlib.inflateSync };

/**
 * startWireProxy(target) -> {base, exchanges, close()}. Each exchange:
 * {method, path, acceptEncoding, status, contentType, encoding, wireBytes, plainBytes, done}.
 * plainBytes is the decoded length (checked by decoding it), set when a non-stream body ends.
 */
export async function startWireProxy(target) {
    const upstream = new URL(target);
    const exchanges = [];
    const server = http.createServer((req, res) => {
        const entry = {
            method: req.method, path: req.url, acceptEncoding: req.headers['accept-encoding'] ?? null,
            status: null, contentType: null, encoding: null, wireBytes: 0, plainBytes: null, done: false,
        };
        exchanges.push(entry);
        const up = http.request({
            host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers,
        }, (upRes) => {
            entry.status = upRes.statusCode;
            entry.contentType = upRes.headers['content-type'] ?? null;
            entry.encoding = upRes.headers['content-encoding'] ?? 'identity';
            entry.vary = upRes.headers.vary ?? null;
            const streaming = (entry.contentType ?? '').startsWith('text/event-stream');
            const chunks = [];
            res.writeHead(upRes.statusCode, upRes.headers);
            upRes.on('data', (chunk) => {
                entry.wireBytes += chunk.length;
                if (!streaming) chunks.push(chunk);
                res.write(chunk);
            });
            upRes.on('end', () => {
                if (!streaming) {
                    const body = Buffer.concat(chunks);
                    const decode = DECODERS[entry.encoding];
                    entry.plainBytes = decode ? decode(body).length : body.length;
                }
                entry.done = true;
                res.end();
            });
            upRes.on('error', () => res.destroy());
        });
        up.on('error', () => res.destroy());
        res.on('close', () => up.destroy());
        req.pipe(up);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
        base: `http://127.0.0.1:${server.address().port}`,
        exchanges,
        async close() {
            server.closeAllConnections();
            await new Promise((resolve) => server.close(resolve));
        },
    };
}
