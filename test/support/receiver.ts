/** A real HTTP endpoint on 127.0.0.1 (node:http) that records what a rest-hook subscription sends. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The status the receiver answered. */
  status: number;
}

export interface Receiver {
  origin: string;
  requests: Received[];
  /** Answer the next n requests whose path starts with `path` with 503. */
  failNext(n: number, path: string): void;
  /** Resolves once some recorded request satisfies the predicate (jest's timeout bounds the wait). */
  waitFor(predicate: (all: Received[]) => boolean): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: Received[] = [];
  const failing = new Map<string, number>();
  const waiters: { predicate: (all: Received[]) => boolean; resolve: () => void }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      const rule = [...failing.keys()].find((p) => url.startsWith(p) && failing.get(p)! > 0);
      const status = rule ? 503 : 200;
      if (rule) failing.set(rule, failing.get(rule)! - 1);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status).end();
      for (const w of [...waiters]) {
        if (w.predicate(requests)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    failNext(n, path) {
      failing.set(path, n);
    },
    waitFor(predicate) {
      if (predicate(requests)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
