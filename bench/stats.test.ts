import { collect, withGcSummary } from './stats';

describe('withGcSummary', () => {
  it('counts the young and full collections of the phase, and only of the phase', async () => {
    const { result, gc: seen } = await withGcSummary(async () => {
      let kept = 0;
      for (let i = 0; i < 200; i++) kept += Array.from({ length: 10_000 }, (_, j) => ({ j })).length;
      collect(); // two full collections
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
