import { Turns } from '../../../src/cluster/turns';

describe('Turns', () => {
  it('runs the turns of one key one at a time, in the order they were asked for', async () => {
    const turns = new Turns<object>();
    const key = {};
    const log: string[] = [];
    const turn = (name: string, ms: number) => turns.take(key, async () => {
      log.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name}-`);
      return name;
    });
    expect(await Promise.all([turn('a', 20), turn('b', 1), turn('c', 5)])).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
  });

  it('lets the next turn go when one fails, and the failure reaches only its own caller', async () => {
    const turns = new Turns<object>();
    const key = {};
    const failing = turns.take(key, () => Promise.reject(new Error('split failed')));
    const next = turns.take(key, async () => 'next ran');
    await expect(failing).rejects.toThrow('split failed');
    await expect(next).resolves.toBe('next ran');
  });

  it('does not make different keys wait for each other', async () => {
    const turns = new Turns<object>();
    let release!: () => void;
    const held = turns.take({}, () => new Promise<void>((r) => (release = r)));
    await expect(turns.take({}, async () => 'other key')).resolves.toBe('other key');
    release();
    await held;
  });
});
