// An EventSource on fetch(), for the live stream (pullStream) in a browser.
//
// The browser's native EventSource cannot send an Authorization header, and a token in the
// URL would end up in server and proxy logs and in the browser history. This class sends the
// headers it is given, like the `eventsource` package does in Node.js, and has the same
// surface (onopen, onmessage, onerror, readyState, close), so it also serves as the
// `eventSource` option of the official `replicateServer` client, which passes
// `{ headers }` to the constructor (README, "Client integration").
//
// Named events (`event: <name>`, which the multiplexed stream sends, one name per collection)
// go to the listeners of addEventListener(name, …); unnamed ones to onmessage.
//
// Like the native one it reconnects by itself after a network failure, an ended stream or
// a 5xx answer; another refusal (401 once the token expired, 404, 426) closes it for good,
// and onerror's event carries the `status`.

export interface FetchEventSourceInit {
  headers?: Record<string, string>;
  /** accepted for EventSource compatibility; credentials follow fetch's defaults */
  withCredentials?: boolean;
}

export type StreamErrorEvent = Event & { status?: number };

const RECONNECT_MS = 2000;

export default class FetchEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;

  readyState = FetchEventSource.CONNECTING;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent<string>) => void) | null = null;
  onerror: ((event: StreamErrorEvent) => void) | null = null;

  private readonly listeners = new Map<string, Set<(event: MessageEvent<string>) => void>>();
  private readonly abort = new AbortController();
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly url: string, private readonly init: FetchEventSourceInit = {}) {
    void this.connect();
  }

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(listener);
  }

  removeEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.get(type)?.delete(listener);
  }

  close(): void {
    this.readyState = FetchEventSource.CLOSED;
    clearTimeout(this.reconnectTimer);
    this.abort.abort();
  }

  private async connect(): Promise<void> {
    let status: number | undefined;
    try {
      const res = await fetch(this.url, {
        headers: { ...this.init.headers, Accept: 'text/event-stream' },
        signal: this.abort.signal,
        cache: 'no-store',
      });
      status = res.status;
      if (res.status !== 200 || !res.body) {
        await res.body?.cancel();
        return this.fail(status, status >= 500);
      }
      this.readyState = FetchEventSource.OPEN;
      this.onopen?.(new Event('open'));
      await this.read(res.body);
      this.fail(undefined, true); // the server ended the stream
    } catch {
      this.fail(status, true); // network failure, or close() aborted the read
    }
  }

  /** Reads events: blocks of lines ending with a blank line; `data:` lines are the payload,
   * `event:` names it, `:` lines (the server's heartbeats) are comments. */
  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: RegExpExecArray | null;
      while ((end = /\r\n\r\n|\n\n|\r\r/.exec(buffer)) !== null) {
        const event = eventOf(buffer.slice(0, end.index));
        buffer = buffer.slice(end.index + end[0].length);
        if (event !== null && this.readyState === FetchEventSource.OPEN) this.dispatch(event.type, event.data);
      }
    }
  }

  private dispatch(type: string, data: string): void {
    const message = new MessageEvent(type, { data });
    if (type === 'message') this.onmessage?.(message);
    this.listeners.get(type)?.forEach((listener) => listener(message));
  }

  private fail(status: number | undefined, reconnect: boolean): void {
    if (this.readyState === FetchEventSource.CLOSED) return;
    this.readyState = reconnect ? FetchEventSource.CONNECTING : FetchEventSource.CLOSED;
    this.onerror?.(Object.assign(new Event('error'), { status }));
    if (reconnect && this.readyState === FetchEventSource.CONNECTING) {
      this.reconnectTimer = setTimeout(() => void this.connect(), RECONNECT_MS);
    }
  }
}

/** The type and data of one event block, or null for a block without data (a comment). */
function eventOf(block: string): { type: string; data: string } | null {
  const lines: string[] = [];
  let type = 'message';
  for (const line of block.split(/\r\n|\n|\r/)) {
    if (line === 'data' || line.startsWith('data:')) {
      lines.push(line.slice(5).replace(/^ /, ''));
    } else if (line.startsWith('event:')) {
      type = line.slice(6).replace(/^ /, '') || 'message';
    }
  }
  return lines.length ? { type, data: lines.join('\n') } : null;
}
