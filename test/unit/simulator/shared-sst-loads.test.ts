import { SharedSstLoads, sstLoadKey, type SstLoad } from '../../../src/simulator/shared-sst-loads';

const entry = (k: number): SstLoad => ({ bytes: 1, entries: [{ key: new Uint8Array([k]), value: new Uint8Array([k]) }] });

describe('SharedSstLoads', () => {
  it('runs one load for requests of the same file in flight at once, and shares its result', async () => {
    const loads = new SharedSstLoads();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const run = async (): Promise<SstLoad> => {
      runs++;
      await gate;
      return entry(7);
    };
    const three = [loads.load('a', run), loads.load('a', run), loads.load('a', run)];
    release();
    const got = await Promise.all(three);
    expect(runs).toBe(1);
    expect(got[1]).toBe(got[0]);
    expect(got[2]).toBe(got[0]);
    expect({ loads: loads.loads, shared: loads.shared }).toEqual({ loads: 1, shared: 2 });
  });

  it('keeps nothing once a load settled: a later request reads the file again (it may have changed)', async () => {
    const loads = new SharedSstLoads();
    let runs = 0;
    const first = await loads.load('a', async () => entry(++runs));
    const second = await loads.load('a', async () => entry(++runs));
    expect(runs).toBe(2);
    expect(second).not.toBe(first);
  });

  it('does not share loads of different files, and a failed load is not kept either', async () => {
    const loads = new SharedSstLoads();
    const keys: string[] = [];
    const run = (k: string) => async (): Promise<SstLoad> => {
      keys.push(k);
      return k === 'bad' ? { readError: 'gone' } : entry(1);
    };
    await Promise.all([loads.load('a', run('a')), loads.load('b', run('b')), loads.load('bad', run('bad'))]);
    expect(await loads.load('bad', run('bad'))).toEqual({ readError: 'gone' });
    expect(keys).toEqual(['a', 'b', 'bad', 'bad']);
  });
});

describe('sstLoadKey', () => {
  const base = { backend: { local: { path: '/b' } }, name: 'f.sst', cipher: undefined, iv: new Uint8Array(0) };
  it('tells apart the storage, the object, the cipher and the IV', () => {
    const keys = new Set([
      sstLoadKey(base),
      sstLoadKey({ ...base, backend: { local: { path: '/c' } } }),
      sstLoadKey({ ...base, name: 'g.sst' }),
      sstLoadKey({ ...base, cipher: { cipherType: 1, cipherKey: new Uint8Array([1]) } }),
      sstLoadKey({ ...base, cipher: { cipherType: 1, cipherKey: new Uint8Array([2]) } }),
      sstLoadKey({ ...base, iv: new Uint8Array([9]) }),
      sstLoadKey({ ...base, backend: { s3: { bucket: 'x', accessKey: 'k1' } } }),
      sstLoadKey({ ...base, backend: { s3: { bucket: 'x', accessKey: 'k2' } } }),
    ]);
    expect(keys.size).toBe(8);
    expect(sstLoadKey({ ...base })).toBe(sstLoadKey(base));
  });
});
