import { TargetSlots } from './target-slots';

describe('TargetSlots', () => {
  it('limits attempts per target and in total', () => {
    const slots = new TargetSlots(2, 3);
    const owner = {};
    const a1 = slots.tryAcquire('a', owner);
    const a2 = slots.tryAcquire('a', owner);
    expect(slots.tryAcquire('a', owner)).toBeNull();
    const b1 = slots.tryAcquire('b', owner);
    expect(b1).not.toBeNull();
    expect(slots.tryAcquire('c', owner)).toBeNull(); // total 3 reached
    a1!();
    a1!(); // releasing twice frees one slot only
    expect(slots.inflight()).toBe(2);
    expect(slots.inflight('a')).toBe(1);
    a2!();
    b1!();
    expect(slots.inflight()).toBe(0);
  });

  it('grants waiters as slots free up, without a busy target blocking another', async () => {
    const slots = new TargetSlots(1, 10);
    const owner = {};
    const held = slots.tryAcquire('slow', owner)!;
    const waitSlow = slots.acquire('slow', owner);
    const waitFast = slots.acquire('fast', owner);
    const fast = await waitFast.slot; // granted at once although a 'slow' waiter is ahead
    expect(fast).not.toBeNull();
    let granted = false;
    void waitSlow.slot.then(() => (granted = true));
    await Promise.resolve();
    expect(granted).toBe(false);
    held();
    expect(await waitSlow.slot).not.toBeNull();
  });

  it('resolves a cancelled wait to null', async () => {
    const slots = new TargetSlots(1, 10);
    slots.tryAcquire('t', {});
    const wait = slots.acquire('t', {});
    wait.cancel();
    expect(await wait.slot).toBeNull();
  });

  it('tells a target saturated by other owners (earlier batches) from one busy with our own attempts', () => {
    const slots = new TargetSlots(2, 10);
    const earlier = {};
    const current = {};
    slots.tryAcquire('t', earlier);
    expect(slots.saturatedByOthers('t', current)).toBe(false); // not at its limit
    slots.tryAcquire('t', earlier);
    expect(slots.saturatedByOthers('t', current)).toBe(true);
    const slots2 = new TargetSlots(2, 10);
    slots2.tryAcquire('t', earlier);
    slots2.tryAcquire('t', current);
    expect(slots2.saturatedByOthers('t', current)).toBe(false); // one of ours will free up
  });

  it('reports in-flight counts per target to its listener', () => {
    const seen: Array<[string, number]> = [];
    const slots = new TargetSlots(5, 10, { inflightChanged: (t, n) => seen.push([t, n]) });
    const r = slots.tryAcquire('t', {})!;
    slots.tryAcquire('t', {});
    r();
    expect(seen).toEqual([
      ['t', 1],
      ['t', 2],
      ['t', 1],
    ]);
  });
});
