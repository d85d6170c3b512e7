import { scanSpan, splitCandidates, splitKeysForRegions } from '../../../src/plan/split-keys';
import { encodeBytes, fromHex, toHex } from '../../../src/plan/keys';

// BR getSplitKeys / NeedSplit (pkg/restore/split.go; research §5.2): candidate raw keys are encoded and
// matched against region boundaries; a key equal to a region start is already split.
const enc = (rawHex: string) => toHex(encodeBytes(fromHex(rawHex)));

describe('splitKeysForRegions', () => {
  const regions = [
    { id: '2', startKey: enc('30'), endKey: enc('60') },
    { id: '1', startKey: '', endKey: enc('30') },
    { id: '3', startKey: enc('60'), endKey: '' },
  ];
  it.each([
    { keys: ['10'], want: [{ regionId: '1', keys: ['10'] }] },
    { keys: ['30'], want: [] }, // already a boundary
    { keys: ['40', '31', '40', '70', ''], want: [{ regionId: '2', keys: ['31', '40'] }, { regionId: '3', keys: ['70'] }] },
    { keys: ['ff'], want: [{ regionId: '3', keys: ['ff'] }] }, // last region's end is +∞
  ])('$keys', ({ keys, want }) => {
    expect(splitKeysForRegions(keys, regions)).toEqual(want);
  });

  it('skips keys no scanned region covers', () => {
    expect(splitKeysForRegions(['10', '50'], [{ id: '2', startKey: enc('30'), endKey: enc('60') }])).toEqual([{ regionId: '2', keys: ['50'] }]);
  });
});

describe('split candidates and scan span', () => {
  it('are the rules new prefixes plus range ends, de-duplicated and sorted', () => {
    expect(splitCandidates(['7480', '7470'], ['7481', '', '7480'])).toEqual(['7470', '7480', '7481']);
  });
  it('span covers the first start to the last end, widened by the prefixes; empty end = unbounded', () => {
    expect(scanSpan([{ newStartKey: '20', newEndKey: '30' }, { newStartKey: '30', newEndKey: '40' }], ['10'])).toEqual({ startKey: enc('10'), endKey: enc('40') });
    expect(scanSpan([{ newStartKey: '20', newEndKey: '' }], [])).toEqual({ startKey: enc('20'), endKey: '' });
  });
});
