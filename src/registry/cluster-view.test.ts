import { expect, test } from 'vitest';
import { clusterEntries, clusterList } from './cluster-view.js';

const self = { id: 'b-1', url: 'http://10.0.0.2:8000' };
const leases = [
  { key: 'zeta', owner: { id: 'a-1', url: 'http://10.0.0.1:8000' }, epoch: 3, since: 10 },
  { key: 'alpha', owner: self, epoch: 1, since: 20 },
];

test("every stream with its owner, this instance's own marked local, by key", async () => {
  const want = [
    { key: 'alpha', owner: self, local: true, epoch: 1, since: 20 },
    { key: 'zeta', owner: { id: 'a-1', url: 'http://10.0.0.1:8000' }, local: false, epoch: 3, since: 10 },
  ];
  expect(clusterEntries(leases, self)).toEqual(want);
  expect(await clusterList({ self, list: async () => leases })).toEqual({ self, cluster: want });
});
