// A server-sent-events reader on fetch(). The browser's native EventSource cannot send an
// Authorization header, and putting the token in the URL would leak it into server and proxy
// logs and the browser history; fetch() sends the header like every other request.
//
// It parses the `data:` lines of the text/event-stream format (comments such as the server's
// `: ping` heartbeats are skipped) and hands each complete event's data to `onData`.

export interface EventStreamHandlers {
  /** The server answered 200: the stream is open. */
  onOpen(): void;
  /** One event's data (the `data:` lines joined by newlines). */
  onData(data: string): void;
  /** The stream ended or failed; `status` is the HTTP status when the server refused it. */
  onClose(reason: { status?: number; error?: unknown }): void;
}

/** Opens the stream; the returned function closes it (no onClose call after that). */
export function openEventStream(
  url: string,
  headers: Record<string, string>,
  handlers: EventStreamHandlers,
): () => void {
  const abort = new AbortController();
  let closedByCaller = false;

  const run = async () => {
    const res = await fetch(url, {
      headers: { ...headers, Accept: 'text/event-stream' },
      signal: abort.signal,
      cache: 'no-store',
    });
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      return { status: res.status };
    }
    handlers.onOpen();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return {};
      buffer += value;
      // events end with a blank line; the format allows \n, \r\n and \r line ends
      let end: RegExpExecArray | null;
      while ((end = /\r\n\r\n|\n\n|\r\r/.exec(buffer)) !== null) {
        const block = buffer.slice(0, end.index);
        buffer = buffer.slice(end.index + end[0].length);
        const data = dataOf(block);
        if (data !== null) handlers.onData(data);
      }
    }
  };

  run().then(
    (reason) => { if (!closedByCaller) handlers.onClose(reason); },
    (error) => { if (!closedByCaller) handlers.onClose({ error }); },
  );
  return () => {
    closedByCaller = true;
    abort.abort();
  };
}

/** The data of one event block, or null for a block without data (a comment). */
function dataOf(block: string): string | null {
  const lines: string[] = [];
  for (const line of block.split(/\r\n|\n|\r/)) {
    if (line === 'data' || line.startsWith('data:')) {
      lines.push(line.slice(5).replace(/^ /, ''));
    }
  }
  return lines.length ? lines.join('\n') : null;
}
