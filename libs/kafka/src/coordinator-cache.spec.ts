import { COORDINATOR_TTL_MS, wrapCoordinatorLookups } from './coordinator-cache';

class FakeCluster {
  calls: string[] = [];
  failNext = false;
  async findGroupCoordinatorMetadata(query: { groupId: string; coordinatorType?: number }): Promise<unknown> {
    this.calls.push(`${query.coordinatorType ?? 0}:${query.groupId}`);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('GROUP_COORDINATOR_NOT_AVAILABLE');
    }
    return { coordinator: { nodeId: 1 } };
  }
}

describe('coordinator lookups', () => {
  let clock = 0;
  beforeAll(() => wrapCoordinatorLookups(FakeCluster.prototype, () => clock));

  it('asks once per id and coordinator type within the TTL, per client', async () => {
    const a = new FakeCluster();
    const b = new FakeCluster();
    await a.findGroupCoordinatorMetadata({ groupId: 'tx-1', coordinatorType: 1 });
    await a.findGroupCoordinatorMetadata({ groupId: 'tx-1', coordinatorType: 1 });
    await a.findGroupCoordinatorMetadata({ groupId: 'group', coordinatorType: 0 });
    await b.findGroupCoordinatorMetadata({ groupId: 'tx-1', coordinatorType: 1 });
    expect(a.calls).toEqual(['1:tx-1', '0:group']);
    expect(b.calls).toEqual(['1:tx-1']);
  });

  it('asks again once the answer is older than the TTL', async () => {
    const a = new FakeCluster();
    await a.findGroupCoordinatorMetadata({ groupId: 'tx-2', coordinatorType: 1 });
    clock += COORDINATOR_TTL_MS;
    await a.findGroupCoordinatorMetadata({ groupId: 'tx-2', coordinatorType: 1 });
    expect(a.calls).toHaveLength(2);
  });

  it('does not remember a failed lookup', async () => {
    const a = new FakeCluster();
    a.failNext = true;
    await expect(a.findGroupCoordinatorMetadata({ groupId: 'tx-3', coordinatorType: 1 })).rejects.toThrow('NOT_AVAILABLE');
    await expect(a.findGroupCoordinatorMetadata({ groupId: 'tx-3', coordinatorType: 1 })).resolves.toEqual({ coordinator: { nodeId: 1 } });
    expect(a.calls).toHaveLength(2);
  });
});
