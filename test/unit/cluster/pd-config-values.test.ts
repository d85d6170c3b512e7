import { compareVersions, describeScheduling, restoreScheduleValues } from '../../../src/cluster/pd-config';
import { parsePdEndpoints, pdHttpBase, pdHostPort } from '../../../src/cluster/pd-address';

describe('restoreScheduleValues', () => {
  const pd = {
    'max-merge-region-keys': 200000,
    'max-merge-region-size': 20,
    'merge-schedule-limit': 8,
    'leader-schedule-limit': 4,
    'region-schedule-limit': 2048,
    'max-snapshot-count': 3,
    'enable-location-replacement': 'true',
    'max-pending-peer-count': 16,
    'patrol-region-interval': '10ms',
  };

  it('sets BR values for the keys present and keeps the originals for undo', () => {
    const { original, restore } = restoreScheduleValues(pd, 3);
    expect(restore).toEqual({
      'merge-schedule-limit': 0,
      'leader-schedule-limit': 12,
      'region-schedule-limit': 40,
      'max-snapshot-count': 9,
      'enable-location-replacement': 'false',
      'max-pending-peer-count': 2147483647,
    });
    expect(original).toEqual({
      'merge-schedule-limit': 8,
      'leader-schedule-limit': 4,
      'region-schedule-limit': 2048,
      'max-snapshot-count': 3,
      'enable-location-replacement': 'true',
      'max-pending-peer-count': 16,
    });
  });

  it('falls back to max-merge-region-* on PDs without merge-schedule-limit and skips absent keys', () => {
    const { restore } = restoreScheduleValues({ 'max-merge-region-keys': 1, 'max-merge-region-size': 2, 'leader-schedule-limit': 4 }, 1);
    expect(restore).toEqual({ 'max-merge-region-keys': 0, 'max-merge-region-size': 0, 'leader-schedule-limit': 4 });
  });
});

describe('versions and addresses', () => {
  it('compares versions numerically, ignoring suffixes', () => {
    expect(compareVersions('4.0.8', '4.0.8')).toBe(0);
    expect(compareVersions('v5.3.0-alpha', '4.0.8')).toBe(1);
    expect(compareVersions('4.0.10', '4.0.8')).toBe(1);
    expect(compareVersions('3.1.2', '4.0.0')).toBe(-1);
  });

  it('normalises PD endpoints', () => {
    expect(parsePdEndpoints('10.0.0.1:2379, http://10.0.0.2:2379/,')).toEqual(['10.0.0.1:2379', '10.0.0.2:2379']);
    expect(pdHostPort('https://pd:2379')).toBe('pd:2379');
    expect(pdHttpBase('pd:2379', true)).toBe('https://pd:2379');
  });

  it('describes the modes a cluster got', () => {
    const line = describeScheduling({
      pdVersion: '8.5.0', schedulerMode: 'remove-and-add', schedulers: ['balance-leader-scheduler'], configMode: 'plain',
      originalConfig: { 'leader-schedule-limit': 4 }, restoreConfig: { 'leader-schedule-limit': 12 }, ttlSeconds: 300,
    });
    expect(line).toContain('removed, re-added');
    expect(line).toContain('set permanently');
  });
});
