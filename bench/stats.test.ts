import v8 from 'node:v8';
import vm from 'node:vm';
import { withGcSummary } from './stats';

describe('withGcSummary', () => {
  it('counts the young and full collections of the phase, and only of the phase', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const { result, gc: seen } = await withGcSummary(async () => {
      let kept = 0;
      for (let i = 0; i < 200; i++) kept += Array.from({ length: 10_000 }, (_, j) => ({ j })).length;
      gc();
      gc();
      return kept;
    });
    expect(result).toBe(2_000_000);
    expect(seen.scavenges).toBeGreaterThanOrEqual(1);
    expect(seen.full).toBeGreaterThanOrEqual(2);
    expect(seen.fullMs).toBeGreaterThan(0);
    expect(seen.longestPauseMs).toBeGreaterThan(0);

    const { gc: quiet } = await withGcSummary(async () => 1);
    expect(quiet.full).toBe(0);
  });
});
