import { MockActivityEnvironment } from '@temporalio/testing';
import { withLivenessHeartbeat } from '../../../src/activities/liveness-heartbeat';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('withLivenessHeartbeat', () => {
  test('beats through a call longer than the heartbeat timeout, then stops', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 600 });
    let beats = 0;
    env.on('heartbeat', () => beats++);
    const result = await env.run(() => withLivenessHeartbeat(async () => {
      await sleep(900);
      return 'done';
    }));
    expect(result).toBe('done');
    // every 200 ms over 900 ms: at least 3 beats, so the server never sees 600 ms of silence
    expect(beats).toBeGreaterThanOrEqual(3);
    const after = beats;
    await sleep(450);
    expect(beats).toBe(after);
  });

  test('stops beating when the body fails, and passes the failure on', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 600 });
    let beats = 0;
    env.on('heartbeat', () => beats++);
    await expect(env.run(() => withLivenessHeartbeat(async () => {
      await sleep(300);
      throw new Error('boom');
    }))).rejects.toThrow('boom');
    const after = beats;
    await sleep(450);
    expect(beats).toBe(after);
  });
});
