import { listenOurs, openBenchStore } from './ours';
import { ingest, requests, targets } from './store-bench';
(async () => {
  const size = Number(process.argv[2]);
  const opts = { size, seed: 1, concurrency: 8, phaseSeconds: 8, phaseRequests: 3000, ingestSeconds: 300, validateSeconds: 10 };
  const s = await openBenchStore('pglite', '');
  const sql = s.store.sql;
  let captured: [string, unknown[]] | undefined;
  const orig = sql.query.bind(sql);
  (sql as { query: typeof sql.query }).query = (async (text: string, params?: unknown[]) => { if (!captured && /careplan/i.test(JSON.stringify(params ?? [])) && /SELECT/i.test(text) && /date|resource_/i.test(text)) captured = [text, params ?? []]; return orig(text, params); }) as typeof sql.query;
  const app = await listenOurs(s.store, { CLAIM_RULES: 'off' });
  console.log('ingest', (await ingest(app.base, opts)).resourcesPerSecond);
  captured = undefined;
  const t = targets(opts);
  console.log('search', (await requests(app.base, t.searches, opts)).perSecond);
  console.log(captured?.[0], JSON.stringify(captured?.[1]));
  if (captured) for (const r of await orig(`EXPLAIN ANALYZE ${captured[0]}`, captured[1])) console.log(Object.values(r)[0]);
  await app.close(); await s.close();
})();
