import { newSstUuid } from '../../../src/cluster/import-files';

/** SST uuids come from a pool of random bytes drawn 256 at a time: across draws they stay 16 bytes and distinct. */
test('SST uuids are 16 bytes and distinct across several draws of the pool', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1_000; i++) {
    const id = newSstUuid();
    expect(id).toHaveLength(16);
    seen.add(id.toString('hex'));
  }
  expect(seen.size).toBe(1_000);
});
