import { pdChoice } from '../../../src/cli/commands/sim';

test('brflow sim picks the simulated PD, a real PD it starts (--real-pd) or a running one (--pd), never two', () => {
  expect(pdChoice({})).toEqual({ kind: 'simulated' });
  expect(pdChoice({ realPd: true })).toEqual({ kind: 'real' });
  expect(pdChoice({ pd: '127.0.0.1:2379' })).toEqual({ kind: 'external', address: '127.0.0.1:2379' });
  expect(() => pdChoice({ realPd: true, pd: '127.0.0.1:2379' })).toThrow(/--real-pd starts a PD, --pd names a running one: give one of them/);
});
