/**
 * The HTTP load driver. It runs in a worker thread so the client has its own event loop (and core)
 * and the server under test keeps the main thread; both peers are driven by the same code. Requests
 * go through the light keep-alive client of http-client.ts, so the driver takes as little CPU as it
 * can from the server it measures.
 * Bounded and self-stopping: every job ends at its request count or its time limit, whichever is
 * first, and only ever talks to 127.0.0.1.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { bundles } from './generate';
import { RawClient, type RawReply } from './http-client';
import { summary, type LatencySummary } from './stats';

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

export type LoadJob =
  | { kind: 'ingest'; base: string; from: number; size: number; seed: number; concurrency: number; maxSeconds: number }
  | {
      kind: 'requests'; base: string; requests: RequestSpec[]; concurrency: number; maxRequests: number; maxSeconds: number; warmup?: number;
      /**
       * Open loop: send `rate` requests per second on a fixed schedule whatever the replies do, with up
       * to `concurrency` in flight (more wait for a socket). Each latency counts from the request's
       * scheduled time, so a stalled server is charged for the requests it delayed.
       */
      rate?: number;
      /**
       * Open loop: also summarise the latencies of each run of this many consecutive requests (by
       * due time), so one stall shows as one bad window rather than as the whole run's figure.
       */
      windowRequests?: number;
    };

export interface LoadResult {
  requests: number;
  /** Resources written (ingest): entries whose response status in the transaction-response is 2xx. */
  resources: number;
  seconds: number;
  perSecond: number;
  latency: LatencySummary;
  errors: number;
  statuses: Record<string, number>;
  firstError?: string;
  /** True when the time limit, not the request count, ended the job. */
  timedOut: boolean;
  /**
   * Open loop only: how long after its due time the driver sent each request, ms. The latency of a
   * request counts from its due time, so a late driver adds to it: a health figure for the driver.
   */
  sendLateness?: LatencySummary;
  /** Open loop with windowRequests: the latency of each window of consecutive requests, in order. */
  windows?: LatencySummary[];
}

/** Run a job in a fresh worker; resolves when it has stopped. */
export function runLoad(job: LoadJob): Promise<LoadResult> {
  const base = new URL(job.base);
  if (base.hostname !== '127.0.0.1') throw new Error(`load is only ever sent to 127.0.0.1, not ${base.hostname}`);
  return new Promise((resolve, reject) => {
    const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, { eval: true, workerData: job });
    worker.once('message', (m: LoadResult) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

// ---- worker side ---------------------------------------------------------------------------------

async function work(job: LoadJob): Promise<LoadResult> {
  const base = new URL(job.base);
  // Each distinct request is encoded once: the client keeps its bytes by request object.
  const client = new RawClient(Number(base.port), job.concurrency, base.pathname);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let resources = 0;
  let firstError: string | undefined;
  let timedOut = false;

  // The next request, or undefined when the job is done.
  let next: () => { spec: RequestSpec; entries: number } | undefined;
  if (job.kind === 'ingest') {
    const it = bundles({ from: job.from, size: job.from + job.size, seed: job.seed });
    next = () => {
      const b = it.next();
      return b.done ? undefined : { spec: { method: 'POST', path: '', body: JSON.stringify(b.value) }, entries: b.value.entry!.length };
    };
  } else {
    for (let i = 0; i < (job.warmup ?? 0); i++) await client.request(job.requests[i % job.requests.length]);
    let i = 0;
    next = () => (i >= job.maxRequests ? undefined : { spec: job.requests[i++ % job.requests.length], entries: 0 });
  }

  // One request: its latency from `from` (when it was sent, or when it was due in an open loop).
  const perWindow: number[][] = [];
  const one = async (n: { spec: RequestSpec; entries: number }, from: number, window?: number) => {
    let reply: RawReply;
    try {
      reply = await client.request(n.spec);
    } catch (e) {
      errors++;
      firstError ??= String(e);
      return;
    }
    const ms = performance.now() - from;
    latencies.push(ms);
    if (window !== undefined) (perWindow[window] ??= []).push(ms);
    statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
    if (reply.status >= 200 && reply.status < 300) {
      if (n.entries) {
        // Count what the server says it stored, entry by entry (a batch-style peer can answer 200 with failed entries).
        const entries = (JSON.parse(reply.body.toString('utf8')) as { entry?: { response?: { status?: string } }[] }).entry ?? [];
        const ok = entries.filter((e) => /^2\d\d/.test(e.response?.status ?? '')).length;
        resources += ok;
        if (ok < n.entries) {
          errors++;
          firstError ??= `${n.entries - ok} of ${n.entries} entries not stored: ${JSON.stringify(entries.find((e) => !/^2\d\d/.test(e.response?.status ?? ''))).slice(0, 600)}`;
        }
      }
    } else {
      errors++;
      firstError ??= `${reply.status} ${reply.body.toString('utf8', 0, 600)}`;
    }
  };

  const started = performance.now();
  const deadline = started + job.maxSeconds * 1000;
  const closedLoop = async () => {
    for (;;) {
      if (performance.now() > deadline) {
        timedOut = true;
        return;
      }
      const n = next();
      if (!n) return;
      await one(n, performance.now());
    }
  };
  // Open loop: how late the driver sent each request (its own stalls, charged to the server's latency).
  const late: number[] = [];
  const openLoop = async (rate: number, windowRequests?: number) => {
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; ; i++) {
      const due = started + (i * 1000) / rate;
      if (due > deadline) {
        timedOut = true;
        break;
      }
      const n = next();
      if (!n) break;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      late.push(performance.now() - due);
      const p: Promise<void> = one(n, due, windowRequests ? Math.floor(i / windowRequests) : undefined).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  };
  if (job.kind === 'requests' && job.rate) await openLoop(job.rate, job.windowRequests);
  else await Promise.all(Array.from({ length: job.concurrency }, closedLoop));
  const seconds = (performance.now() - started) / 1000;
  client.close();
  return {
    requests: latencies.length, resources, seconds,
    perSecond: (job.kind === 'ingest' ? resources : latencies.length) / seconds,
    latency: summary(latencies), errors, statuses, firstError, timedOut,
    ...(late.length ? { sendLateness: summary(late) } : {}),
    ...(perWindow.length ? { windows: Array.from(perWindow, (w) => summary(w ?? [])) } : {}),
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  work(workerData as LoadJob).then(
    (r) => port.postMessage(r),
    (e) => {
      throw e;
    },
  );
}
