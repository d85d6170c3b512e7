import { leftoverSafepoints } from '../../../src/plan/leftover-safepoints';

test('brflow safepoints no running restore holds, and BR ones expiring far ahead (or never), are leftovers', () => {
  const now = 1_000_000;
  const sps = [
    { serviceId: 'gc_worker', safePoint: 1n },
    { serviceId: 'brflow-held', safePoint: 2n, expiresAt: now + 300 },
    { serviceId: 'brflow-dead', safePoint: 3n, expiresAt: now + 200 },
    { serviceId: 'br-running', safePoint: 4n, expiresAt: now + 300 },
    { serviceId: 'br-stuck', safePoint: 5n, expiresAt: now + 7 * 86_400 },
    { serviceId: 'br-forever', safePoint: 6n },
    { serviceId: 'ticdc-x', safePoint: 7n },
  ];
  expect(leftoverSafepoints(sps, { held: new Set(['brflow-held']), nowSec: now, farSec: 3600 }).map((l) => [l.serviceId, l.reason])).toEqual([
    ['brflow-dead', 'no running restore holds it'],
    ['br-stuck', 'BR safepoint expiring in 168 h'],
    ['br-forever', 'BR safepoint that never expires'],
  ]);
});
