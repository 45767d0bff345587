import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config';

describe('HEAP_GROWTH_PERCENT', () => {
  it('defaults to 200 and takes 0 (V8 decides) up to 1000', () => {
    expect(loadConfig({}).HEAP_GROWTH_PERCENT).toBe(200);
    expect(loadConfig({ HEAP_GROWTH_PERCENT: '0' }).HEAP_GROWTH_PERCENT).toBe(0);
    expect(loadConfig({ HEAP_GROWTH_PERCENT: '1000' }).HEAP_GROWTH_PERCENT).toBe(1000);
  });

  it.each(['-1', '1001', '1.5', 'lots'])('refuses %s, by name', (v) => {
    expect(() => loadConfig({ HEAP_GROWTH_PERCENT: v })).toThrow(ConfigError);
    expect(() => loadConfig({ HEAP_GROWTH_PERCENT: v })).toThrow(/HEAP_GROWTH_PERCENT/);
  });
});

describe('applyRuntimeSettings', () => {
  // A process that keeps 30 MB live and pushes 300 MB of garbage that lives long enough to be promoted
  // counts its full collections: the heap may grow by the factor set before the next one starts.
  const script = (percent: number) => `
    const { applyRuntimeSettings } = require(${JSON.stringify(join(__dirname, 'runtime'))});
    const { PerformanceObserver, constants } = require('node:perf_hooks');
    applyRuntimeSettings({ HEAP_GROWTH_PERCENT: ${percent} });
    let full = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) full++; }).observe({ entryTypes: ['gc'] });
    const live = Array.from({ length: 300_000 }, (_, i) => ({ i, s: 'x' + i }));
    const ring = new Array(20);
    for (let round = 0; round < 300; round++) ring[round % 20] = Array.from({ length: 10_000 }, (_, i) => ({ i, round, pad: [i, i, i, i] }));
    setTimeout(() => { process.stdout.write(JSON.stringify({ full, live: live.length })); }, 50);
  `;
  const dir = mkdtempSync(join(tmpdir(), 'runtime-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fullCollections = (percent: number): number => {
    const file = join(dir, `run-${percent}.js`);
    writeFileSync(file, script(percent));
    const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), file], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { full: number }).full;
  };

  it('sets how far the heap grows between full collections', () => {
    const tight = fullCollections(10);
    const loose = fullCollections(400);
    expect(tight).toBeGreaterThan(loose * 3);
  });
});
