/**
 * The load driver's hand-written HTTP/1.1 client must read every response exactly as node:http
 * would: bodies framed by Content-Length or chunked encoding, split across packets or sharing one,
 * keep-alive reuse, `Connection: close`, and a server that hangs up.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { RawClient, parseResponse } from './http-client';

const listen = async (server: net.Server) => {
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return (server.address() as AddressInfo).port;
};
/** The client's sockets, then the server's, then the server. */
const stop = async (client: RawClient, server: http.Server) => {
  client.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
};

describe('parseResponse', () => {
  const bytes = (s: string) => Buffer.from(s, 'latin1');

  it('waits for the whole head and body, and reports what it consumed', () => {
    const whole = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 204';
    expect(parseResponse(bytes(whole.slice(0, 20)))).toBeUndefined();
    expect(parseResponse(bytes(whole.slice(0, 40)))).toBeUndefined();
    const r = parseResponse(bytes(whole))!;
    expect([r.status, r.body.toString(), r.consumed, r.close]).toEqual([200, 'hello', 43, false]);
  });

  it('joins chunked bodies and needs the final empty chunk', () => {
    const head = 'HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\nConnection: close\r\n\r\n';
    expect(parseResponse(bytes(`${head}3\r\nabc\r\n`))).toBeUndefined();
    const r = parseResponse(bytes(`${head}3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n`))!;
    expect([r.status, r.body.toString(), r.close]).toEqual([201, 'abc0123456789', true]);
  });

  it('takes a 204 without a length as empty and refuses an unframed body', () => {
    expect(parseResponse(bytes('HTTP/1.1 204 No Content\r\n\r\n'))!.body.length).toBe(0);
    expect(() => parseResponse(bytes('HTTP/1.1 200 OK\r\n\r\nbody'))).toThrow(/neither Content-Length nor chunked/);
  });
});

describe('RawClient', () => {
  it('sends method, path, headers and body, and reuses one keep-alive socket', async () => {
    const seen: string[] = [];
    const sockets = new Set<net.Socket>();
    const server = http.createServer((req, res) => {
      sockets.add(req.socket);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? '-'} ${req.headers.accept} ${Buffer.concat(chunks).toString()}`);
        // Alternate framings: a plain body, then a streamed (chunked) one.
        if (req.method === 'GET') res.end(JSON.stringify({ n: seen.length }));
        else {
          res.write('{"posted":');
          setTimeout(() => res.end('true}'), 5);
        }
      });
    });
    const port = await listen(server);
    const client = new RawClient(port, 1);
    try {
      const a = await client.request({ method: 'GET', path: '/fhir/Patient/1' });
      const b = await client.request({ method: 'POST', path: '/fhir/Claim/$validate', body: '{"resourceType":"Claim","note":"é"}' });
      const c = await client.request({ method: 'GET', path: '/fhir/Patient/2' });
      expect([a.status, a.body.toString(), b.status, b.body.toString(), c.body.toString()]).toEqual([200, '{"n":1}', 200, '{"posted":true}', '{"n":3}']);
      expect(seen).toEqual([
        'GET /fhir/Patient/1 - application/fhir+json ',
        'POST /fhir/Claim/$validate application/fhir+json application/fhir+json {"resourceType":"Claim","note":"é"}',
        'GET /fhir/Patient/2 - application/fhir+json ',
      ]);
      expect(sockets.size).toBe(1);
    } finally {
      await stop(client, server);
    }
  });

  it('sends request paths under its base path', async () => {
    const urls: string[] = [];
    const server = http.createServer((req, res) => {
      urls.push(req.url ?? '');
      res.end('ok');
    });
    const port = await listen(server);
    const client = new RawClient(port, 1, '/fhir');
    try {
      await client.request({ method: 'GET', path: 'Patient/1' });
      await client.request({ method: 'POST', path: '', body: '{}' });
      expect(urls).toEqual(['/fhir/Patient/1', '/fhir/']);
    } finally {
      await stop(client, server);
    }
  });

  it('opens at most maxSockets sockets and queues the rest', async () => {
    let open = 0;
    let most = 0;
    const server = http.createServer((_req, res) => {
      open++;
      most = Math.max(most, open);
      setTimeout(() => {
        open--;
        res.end('ok');
      }, 10);
    });
    const port = await listen(server);
    const client = new RawClient(port, 3);
    try {
      const replies = await Promise.all(Array.from({ length: 10 }, () => client.request({ method: 'GET', path: '/' })));
      expect(replies.map((r) => r.body.toString())).toEqual(Array(10).fill('ok'));
      expect(most).toBe(3);
    } finally {
      await stop(client, server);
    }
  });

  it('replaces a socket the server closed, and rejects a request whose socket dies', async () => {
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests++;
      if (req.url === '/hang-up') req.socket.destroy();
      else {
        res.setHeader('Connection', 'close');
        res.end('bye');
      }
    });
    const port = await listen(server);
    const client = new RawClient(port, 1);
    try {
      expect((await client.request({ method: 'GET', path: '/a' })).body.toString()).toBe('bye');
      expect((await client.request({ method: 'GET', path: '/b' })).body.toString()).toBe('bye');
      await expect(client.request({ method: 'GET', path: '/hang-up' })).rejects.toThrow();
      expect((await client.request({ method: 'GET', path: '/c' })).body.toString()).toBe('bye');
      expect(requests).toBe(4);
    } finally {
      await stop(client, server);
    }
  });
});
