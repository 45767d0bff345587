import express from 'express';
import { IncomingMessage, ServerResponse, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAppServer } from './listen';

describe('createAppServer', () => {
  let server: Server;
  let base: string;
  const app = express();
  app.use(express.raw({ type: () => true }));
  app.all('/echo/:name', (req, res) => {
    res.status(201).set('X-Path', req.path).json({ name: req.params.name, query: req.query, body: (req.body as Buffer | undefined)?.toString() ?? null });
  });
  /** The prototype each request had before Express saw it. */
  const born: object[] = [];

  beforeAll(async () => {
    server = createAppServer(app);
    server.prependListener('request', (req: IncomingMessage, res) => {
      born.push(Object.getPrototypeOf(req) as object, Object.getPrototypeOf(res) as object);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("builds requests and responses on the app's own prototypes, so Express has nothing to change", async () => {
    born.length = 0;
    await fetch(`${base}/echo/a`);
    expect(born).toEqual([app.request, app.response]);
  });

  it('differs from a plain server, whose requests Express re-parents one by one', async () => {
    const plain = createServer(app);
    const seen: object[] = [];
    plain.prependListener('request', (req: IncomingMessage, res) => {
      seen.push(Object.getPrototypeOf(req) as object, Object.getPrototypeOf(res) as object);
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
    try {
      const res = await fetch(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/echo/c`);
      expect(res.status).toBe(201);
    } finally {
      await new Promise<void>((r) => plain.close(() => r()));
    }
    expect(seen).toEqual([IncomingMessage.prototype, ServerResponse.prototype]);
  });

  it('serves the app as app.listen would: routing, parameters, query, body, status and headers', async () => {
    const res = await fetch(`${base}/echo/b?x=1`, { method: 'POST', body: 'hello' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-path')).toBe('/echo/b');
    expect(await res.json()).toEqual({ name: 'b', query: { x: '1' }, body: 'hello' });
  });

  it('keeps connections alive across requests', async () => {
    const sockets = new Set<unknown>();
    const onConnection = (s: unknown) => sockets.add(s);
    server.on('connection', onConnection);
    try {
      for (let i = 0; i < 3; i++) expect((await fetch(`${base}/echo/${i}`)).status).toBe(201);
    } finally {
      server.off('connection', onConnection);
    }
    expect(sockets.size).toBeLessThanOrEqual(1);
  });
});
