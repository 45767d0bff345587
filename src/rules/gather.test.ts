import type { Claim } from 'fhir/r4';
import type { ChangeFeed, Repository } from '../store/repository';
import { gatherClaimContext, syncContextCache } from './gather';

/** A store whose change feed fails (the database went away) and that nothing else is asked of. */
function failingStore(): { repo: Repository; polls: () => number } {
  let polls = 0;
  const feed: ChangeFeed = {
    scope: {},
    changes: async () => {
      polls++;
      throw new Error('connection refused');
    },
  };
  return { repo: { changeFeed: () => feed } as unknown as Repository, polls: () => polls };
}
const claim: Claim = { resourceType: 'Claim', status: 'active', type: { text: 'x' }, use: 'claim', patient: { reference: 'Patient/m1' }, created: '2026-03-10', provider: { reference: 'Organization/o1' }, priority: { text: 'normal' }, insurance: [], item: [] };

describe('the change-feed poll started when a claim arrives (syncContextCache)', () => {
  it('is the one the gather waits for: no second poll, and its failure fails the gather', async () => {
    const { repo, polls } = failingStore();
    const synced = syncContextCache(repo);
    expect(synced).toBeDefined();
    await expect(gatherClaimContext(repo, claim, synced)).rejects.toThrow('connection refused');
    expect(polls()).toBe(1);
  });

  it('leaves no unhandled rejection when the claim fails validation and nothing waits for it', async () => {
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const { repo, polls } = failingStore();
      syncContextCache(repo);
      await new Promise((r) => setTimeout(r, 20));
      expect(polls()).toBe(1);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('is not started where nothing is cached (no change feed: inside a transaction)', () => {
    expect(syncContextCache({ changeFeed: () => undefined } as unknown as Repository)).toBeUndefined();
  });
});
