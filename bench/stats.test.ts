import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('withGcSummary', () => {
  it('counts the young and full collections of the phase, and only of the phase', () => {
    // collect() needs node --expose-gc (engine flags are given on the command line only): the
    // phases run in a child process started with it, as npm run bench starts the benchmark.
    const child = `
      const { collect, withGcSummary } = require(${JSON.stringify(join(__dirname, 'stats'))});
      (async () => {
        const phase = await withGcSummary(async () => {
          let kept = 0;
          for (let i = 0; i < 200; i++) kept += Array.from({ length: 10_000 }, (_, j) => ({ j })).length;
          collect(); // two full collections
          return kept;
        });
        const quiet = await withGcSummary(async () => 1);
        console.log(JSON.stringify({ phase, quiet }));
      })();
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '--require', require.resolve('tsx/cjs'), '-e', child], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
    const { phase, quiet } = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(phase.result).toBe(2_000_000);
    expect(phase.gc.scavenges).toBeGreaterThanOrEqual(1);
    expect(phase.gc.full).toBeGreaterThanOrEqual(2);
    expect(phase.gc.fullMs).toBeGreaterThan(0);
    expect(phase.gc.longestPauseMs).toBeGreaterThan(0);
    expect(quiet.gc.full).toBe(0);
  });

  it('collect() refuses to run without --expose-gc rather than measure nothing', () => {
    const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', `require(${JSON.stringify(join(__dirname, 'stats'))}).collect()`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--expose-gc/);
  });
});
