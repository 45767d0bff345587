/**
 * The peer: Medplum's FHIR router (@medplum/fhir-router 4.5) over its in-memory MemoryRepository,
 * with @medplum/core's definitions loaded as Medplum requires, behind a minimal node:http server on
 * loopback, so both servers are driven over HTTP by the same load driver.
 *
 * MemoryRepository does not validate; Medplum's own server validates every write with
 * validateResource in its Repository. The wrapper does the same before routing (base R4, the
 * validation Medplum 4.5 applies correctly to our data — see validator-bench.ts on our profiles),
 * so ingest is compared with validation on both sides.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getStatus, normalizeOperationOutcome, OperationOutcomeError, validateResource } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { FhirRouter, MemoryRepository, type FhirRequest } from '@medplum/fhir-router';
import { loadMedplumDefinitions } from './medplum-defs';
import type { Listening } from './ours';

/** Medplum's write-path validation of one request body (each entry of a Bundle). Throws OperationOutcomeError. */
function validateWrite(body: Resource): void {
  if (body.resourceType !== 'Bundle') {
    validateResource(body);
    return;
  }
  for (const e of (body as Bundle).entry ?? []) {
    if (e.resource) validateResource(e.resource);
  }
}

export async function listenMedplum(opts: { validate: boolean }): Promise<Listening & { repo: MemoryRepository }> {
  loadMedplumDefinitions();
  const router = new FhirRouter();
  const repo = new MemoryRepository();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        let status = 200;
        let out: unknown;
        try {
          const raw = Buffer.concat(chunks).toString('utf8');
          const body = raw ? (JSON.parse(raw) as Resource) : undefined;
          if (opts.validate && body && (req.method === 'POST' || req.method === 'PUT')) validateWrite(body);
          const url = (req.url ?? '/').replace(/^\/fhir\/?/, '');
          const fhirReq: FhirRequest = { method: req.method as FhirRequest['method'], url, pathname: '', body, params: {}, query: {}, headers: req.headers };
          const [outcome, resource] = await router.handleRequest(fhirReq, repo);
          status = getStatus(outcome);
          out = resource ?? outcome;
        } catch (e) {
          const outcome = e instanceof OperationOutcomeError ? e.outcome : normalizeOperationOutcome(e);
          status = getStatus(outcome);
          out = outcome;
        }
        const text = JSON.stringify(out);
        res.writeHead(status, { 'content-type': 'application/fhir+json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      })();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    repo,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
