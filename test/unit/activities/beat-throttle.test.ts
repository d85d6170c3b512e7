import { beatThrottle } from '../../../src/activities/beat-throttle';

describe('beatThrottle', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000 }));
  afterEach(() => jest.useRealTimers());

  test('the first beat goes at once; beats within the interval become one at its end, with the state of that moment', () => {
    let state = 0;
    const sent: number[] = [];
    const t = beatThrottle(() => sent.push(state), 20);
    state = 1;
    t.beat();
    expect(sent).toEqual([1]);
    for (state = 2; state <= 5; state++) t.beat();
    expect(sent).toEqual([1]);
    state = 9;
    jest.advanceTimersByTime(19);
    expect(sent).toEqual([1]);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual([1, 9]);
    // Quiet for longer than the interval: the next beat goes at once again.
    jest.advanceTimersByTime(50);
    state = 10;
    t.beat();
    expect(sent).toEqual([1, 9, 10]);
  });

  test('stop drops the pending beat and refuses later ones', () => {
    const sent: number[] = [];
    const t = beatThrottle(() => sent.push(sent.length), 20);
    t.beat();
    t.beat();
    t.stop();
    jest.advanceTimersByTime(100);
    t.beat();
    expect(sent).toEqual([0]);
  });
});
