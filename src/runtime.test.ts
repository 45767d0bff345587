import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE_FLAGS, missingEngineFlags } from './runtime';

const ROOT = join(__dirname, '..');

describe('the engine flags are on every command line that starts a server', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const nodeCommand = (script: string, entry: string) => {
    const m = new RegExp(`(?:^|&& )exec node ((?:--\\S+ )*)${entry.replace(/\./g, '\\.')}$`).exec(script);
    return m ? m[1].trim().split(' ').filter(Boolean) : undefined;
  };

  it('npm start runs node itself (exec, no shell left between npm and the server) with the flags', () => {
    expect(nodeCommand(pkg.scripts.start, 'scripts/start.mjs')).toEqual([...ENGINE_FLAGS]);
  });

  it('npm run bench (its process is the server it measures) runs with the flags', () => {
    expect(nodeCommand(pkg.scripts.bench, 'dist/bench/run.js')).toEqual(['--expose-gc', ...ENGINE_FLAGS]);
  });

  it("the Dockerfile's CMD runs node directly with the flags", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
    expect(cmd).not.toBeNull();
    expect(JSON.parse(cmd![1])).toEqual(['node', ...ENGINE_FLAGS, 'dist/src/main.js']);
  });

  it('nothing sets engine flags at run time (v8.setFlagsFromString)', () => {
    const callers: string[] = [];
    const visit = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) visit(p);
        else if (/\.(ts|mjs|js)$/.test(e.name) && !e.name.endsWith('.test.ts') && /setFlagsFromString\s*\(/.test(readFileSync(p, 'utf8'))) callers.push(p);
      }
    };
    for (const d of ['src', 'scripts', 'bench']) visit(join(ROOT, d));
    expect(callers).toEqual([]);
  });

  it('missingEngineFlags names the flags a command line lacks, whatever their value', () => {
    expect(missingEngineFlags([...ENGINE_FLAGS])).toEqual([]);
    expect(missingEngineFlags(['--heap-growing-percent=300', '--allocation-site-pretenuring'])).toEqual([]);
    expect(missingEngineFlags(['--max-old-space-size=512'])).toEqual([...ENGINE_FLAGS]);
  });
});

describe('what the flags do, on this Node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runtime-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Full collections V8 reports (--trace-gc) after the child prints `measure`, in a fresh process with `flags`. */
  let runs = 0;
  const fullCollections = (flags: readonly string[], source: string): number => {
    const file = join(dir, `run-${++runs}.js`);
    writeFileSync(file, source);
    const r = spawnSync(process.execPath, ['--trace-gc', ...flags, file], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
    const lines = r.stdout.split('\n');
    const from = lines.indexOf('measure');
    expect(lines).toContain('done');
    return lines.slice(from).filter((l) => l.includes('Mark-Compact')).length;
  };

  it('--heap-growing-percent sets how far the heap grows between full collections', () => {
    // 30 MB kept, and 300 MB of garbage that lives long enough to be promoted.
    const churn = `
      const live = Array.from({ length: 300_000 }, (_, i) => ({ i, s: 'x' + i }));
      console.log('measure');
      const ring = new Array(20);
      for (let round = 0; round < 300; round++) ring[round % 20] = Array.from({ length: 10_000 }, (_, i) => ({ i, round, pad: [i, i, i, i] }));
      console.log(live.length && ring.length ? 'done' : '');
    `;
    const tight = fullCollections(['--heap-growing-percent=10'], churn);
    const loose = fullCollections(['--heap-growing-percent=400'], churn);
    // Measured here: 6-9 full collections at 10% against 2 at 400%; V8 keeps a floor on each step,
    // so the ratio is asserted loosely.
    expect(tight).toBeGreaterThan(loose);
    expect(tight).toBeGreaterThanOrEqual(loose * 2);
  });

  it('with ENGINE_FLAGS, short-lived objects of a site that once made long-lived ones die young (pretenuring off)', () => {
    // One site first makes 400,000 objects that live on (as an ingest's do), then ten million that
    // die at once (as a validation's do). Tenured by the first phase, the site puts the second
    // phase's objects in the old generation, where only full collections free them.
    const site = `
      function make(i) { return { i, a: [i, i + 1], b: { c: i } }; }
      const keep = [];
      for (let i = 0; i < 400_000; i++) keep.push(make(i));
      console.log('measure');
      const ring = new Array(64);
      let sum = 0;
      for (let i = 0; i < 10_000_000; i++) { ring[i & 63] = make(i); sum += ring[(i * 7) & 63]?.b.c ?? 0; }
      console.log(keep.length && sum > 0 ? 'done' : '');
    `;
    // V8's decision to tenure rests on timing (when the optimised code is installed); in rare runs it
    // does not come, so the control gets three tries to show the effect our flags must remove.
    let withDefaults = 0;
    for (let i = 0; i < 3 && withDefaults < 4; i++) withDefaults = fullCollections(['--heap-growing-percent=200'], site);
    const withOurs = fullCollections(ENGINE_FLAGS, site);
    expect(withDefaults).toBeGreaterThanOrEqual(4);
    expect(withOurs).toBeLessThanOrEqual(2);
  });
});
