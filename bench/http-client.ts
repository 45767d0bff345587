/**
 * The load driver's HTTP/1.1 client: keep-alive sockets written and parsed by hand. On a 2-core
 * machine the driver shares the CPU with the server it measures; node:http's client spent about
 * half a millisecond of CPU per request (measured at 500 requests/s), a quarter of what the server
 * itself spent, and took it from the server. This client does the same job for a fraction: requests
 * are encoded once per distinct request, a response is read by its Content-Length (or chunked
 * framing) and its body is decoded only when the caller asks for it.
 *
 * One request at a time per socket (no pipelining), at most `maxSockets` sockets, to 127.0.0.1 only.
 */
import net from 'node:net';

export interface RawRequest {
  method: 'GET' | 'POST';
  /** Path and query, under the client's base path (a leading `/` is optional). */
  path: string;
  body?: string;
}

export interface RawReply {
  status: number;
  /** The body as bytes (chunked framing removed). */
  body: Buffer;
}

const CRLF2 = Buffer.from('\r\n\r\n');

interface Pending {
  resolve: (r: RawReply) => void;
  reject: (e: Error) => void;
}

/** One keep-alive socket and the response it is reading. */
class Connection {
  private readonly socket: net.Socket;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private pending?: Pending;
  /** False once the socket closed, failed, or the server said `Connection: close`. */
  usable = true;

  constructor(port: number, private readonly onDead: (c: Connection) => void) {
    this.socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    this.socket.on('data', (d: Buffer) => this.onData(d));
    this.socket.on('error', (e) => this.fail(e));
    this.socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  send(bytes: Buffer): Promise<RawReply> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(bytes);
    });
  }

  destroy(): void {
    this.usable = false;
    this.socket.destroy();
  }

  private fail(e: Error): void {
    const p = this.pending;
    this.pending = undefined;
    if (this.usable) {
      this.usable = false;
      this.onDead(this);
    }
    p?.reject(e);
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    if (!this.pending) return;
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
    this.chunks = [all];
    let reply: ReturnType<typeof parseResponse>;
    try {
      reply = parseResponse(all);
    } catch (e) {
      this.fail(e as Error);
      this.socket.destroy();
      return;
    }
    if (!reply) return;
    const rest = all.subarray(reply.consumed);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    const p = this.pending;
    this.pending = undefined;
    if (reply.close) {
      this.usable = false;
      this.onDead(this);
      this.socket.end();
    }
    p.resolve({ status: reply.status, body: reply.body });
  }
}

/**
 * A complete response at the start of `buf`, or undefined when more bytes are needed. Throws on a
 * response this client cannot frame (neither Content-Length nor chunked).
 */
export function parseResponse(buf: Buffer): { status: number; body: Buffer; consumed: number; close: boolean } | undefined {
  const headEnd = buf.indexOf(CRLF2);
  if (headEnd < 0) return undefined;
  const head = buf.toString('latin1', 0, headEnd);
  const lines = head.split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  let length: number | undefined;
  let chunked = false;
  let close = false;
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    const name = lines[i].slice(0, colon).trim().toLowerCase();
    const value = lines[i].slice(colon + 1).trim().toLowerCase();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding') chunked = value.includes('chunked');
    else if (name === 'connection') close = value === 'close';
  }
  const start = headEnd + 4;
  if (chunked) {
    const parts: Buffer[] = [];
    let at = start;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at, 'latin1');
      if (lineEnd < 0) return undefined;
      const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
      if (Number.isNaN(size)) throw new Error('malformed chunked response');
      const dataStart = lineEnd + 2;
      if (size === 0) {
        // No trailers are expected: the last chunk is followed by one empty line.
        if (buf.length < dataStart + 2) return undefined;
        return { status, body: Buffer.concat(parts), consumed: dataStart + 2, close };
      }
      if (buf.length < dataStart + size + 2) return undefined;
      parts.push(buf.subarray(dataStart, dataStart + size));
      at = dataStart + size + 2;
    }
  }
  if (length === undefined) {
    if (status === 204 || status === 304 || (status >= 100 && status < 200)) length = 0;
    else throw new Error(`a ${status} response with neither Content-Length nor chunked framing`);
  }
  if (buf.length < start + length) return undefined;
  return { status, body: buf.subarray(start, start + length), consumed: start + length, close };
}

/** Keep-alive sockets to one 127.0.0.1 port, at most `maxSockets` of them; request paths are under `basePath`. */
export class RawClient {
  private readonly idle: Connection[] = [];
  private readonly waiting: ((c: Connection) => void)[] = [];
  private open = 0;
  private readonly encoded = new WeakMap<RawRequest, Buffer>();

  private readonly basePath: string;

  constructor(private readonly port: number, private readonly maxSockets: number, basePath = '/') {
    this.basePath = basePath.replace(/\/?$/, '/');
  }

  async request(spec: RawRequest): Promise<RawReply> {
    const conn = await this.acquire();
    try {
      return await conn.send(this.encode(spec));
    } finally {
      this.release(conn);
    }
  }

  close(): void {
    for (const c of this.idle.splice(0)) c.destroy();
  }

  /** The request's bytes, kept while the caller keeps the request (a one-off, like an ingest bundle, is not held). */
  private encode(spec: RawRequest): Buffer {
    let bytes = this.encoded.get(spec);
    if (!bytes) {
      const body = spec.body === undefined ? undefined : Buffer.from(spec.body, 'utf8');
      const head =
        `${spec.method} ${this.basePath}${spec.path.replace(/^\//, '')} HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\nAccept: application/fhir+json\r\n` +
        (body ? `Content-Type: application/fhir+json\r\nContent-Length: ${body.length}\r\n` : '') +
        '\r\n';
      bytes = body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
      this.encoded.set(spec, bytes);
    }
    return bytes;
  }

  private acquire(): Promise<Connection> {
    for (;;) {
      const c = this.idle.pop();
      if (!c) break;
      if (c.usable) return Promise.resolve(c);
    }
    if (this.open < this.maxSockets) {
      this.open++;
      return Promise.resolve(new Connection(this.port, () => this.open--));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(c: Connection): void {
    if (!c.usable) {
      // A replacement for whoever waits: the dead socket no longer counts against maxSockets.
      const next = this.waiting.shift();
      if (next) void this.acquire().then(next);
      return;
    }
    const next = this.waiting.shift();
    if (next) next(c);
    else this.idle.push(c);
  }
}
