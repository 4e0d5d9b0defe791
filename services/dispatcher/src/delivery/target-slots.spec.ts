import { AdaptiveTargetConcurrency } from './target-concurrency';
import { TargetSlots } from './target-slots';

describe('TargetSlots', () => {
  it('limits attempts per target and in total', () => {
    const slots = new TargetSlots(2, 3);
    const a1 = slots.tryAcquire('a');
    const a2 = slots.tryAcquire('a');
    expect(slots.tryAcquire('a')).toBeNull();
    const b1 = slots.tryAcquire('b');
    expect(b1).not.toBeNull();
    expect(slots.tryAcquire('c')).toBeNull(); // total 3 reached
    a1!.release();
    a1!.release(); // releasing twice frees one slot only
    expect(slots.inflight()).toBe(2);
    expect(slots.inflight('a')).toBe(1);
    a2!.release();
    b1!.release();
    expect(slots.inflight()).toBe(0);
  });

  it('follows an adaptive limit: a fast target\'s grown limit lets its waiters in at once; hanging counts against its limit', async () => {
    const limits = new AdaptiveTargetConcurrency({ base: 2, max: 4, tolerance: 1.5, fastMs: 20, slowMs: 1000 });
    const slots = new TargetSlots(limits, 100);
    const held = [slots.tryAcquire('fast')!, slots.tryAcquire('fast')!];
    const waiting = slots.acquire('fast');
    let granted = false;
    void waiting.slot.then(() => (granted = true));
    // fast successes with the limit in use grow it: 2 + 1/2 + 1/2.5 ≥ 3
    for (let i = 0; i < 3; i++) slots.observe('fast', 2, true, slots.inflight('fast'));
    await Promise.resolve();
    expect(slots.limit('fast')).toBe(3);
    expect(granted).toBe(true);
    for (const h of held) h.detach();
    expect(slots.hanging('fast')).toBe(false); // 2 detached of 3
    (await waiting.slot)!.detach();
    expect(slots.hanging('fast')).toBe(true);
  });

  it('does not grow a target\'s limit while the process is at its total limit', () => {
    const limits = new AdaptiveTargetConcurrency({ base: 2, max: 4, tolerance: 1.5, fastMs: 20, slowMs: 1000 });
    const full = new TargetSlots(limits, 3);
    full.tryAcquire('other');
    full.tryAcquire('fast');
    full.tryAcquire('fast');
    for (let i = 0; i < 5; i++) full.observe('fast', 2, true, full.inflight('fast'));
    expect(full.limit('fast')).toBe(2);
    // the same answers with room in the process grow it
    const roomy = new TargetSlots(new AdaptiveTargetConcurrency({ base: 2, max: 4, tolerance: 1.5, fastMs: 20, slowMs: 1000 }), 4);
    roomy.tryAcquire('other');
    roomy.tryAcquire('fast');
    roomy.tryAcquire('fast');
    for (let i = 0; i < 5; i++) roomy.observe('fast', 2, true, roomy.inflight('fast'));
    expect(roomy.limit('fast')).toBeGreaterThan(2);
  });

  it('grants waiters as slots free up, without a busy target blocking another', async () => {
    const slots = new TargetSlots(1, 10);
    const held = slots.tryAcquire('slow')!;
    const waitSlow = slots.acquire('slow');
    const waitFast = slots.acquire('fast');
    const fast = await waitFast.slot; // granted at once although a 'slow' waiter is ahead
    expect(fast).not.toBeNull();
    let granted = false;
    void waitSlow.slot.then(() => (granted = true));
    await Promise.resolve();
    expect(granted).toBe(false);
    held.release();
    expect(await waitSlow.slot).not.toBeNull();
  });

  it('hands a slot freed under the process-wide limit to a waiter of another target', async () => {
    const slots = new TargetSlots(5, 1);
    const a = slots.tryAcquire('a')!;
    const waitB = slots.acquire('b');
    const waitA = slots.acquire('a');
    a.release();
    // the freed slot goes to the first waiter that fits: 'a' (its own queue is served first), then 'b' when that ends
    const nextA = await waitA.slot;
    expect(nextA).not.toBeNull();
    expect(slots.inflight()).toBe(1);
    nextA!.release();
    expect(await waitB.slot).not.toBeNull();
    expect(slots.inflight('b')).toBe(1);
  });

  it('serves one target’s waiters in arrival order', async () => {
    const slots = new TargetSlots(1, 10);
    const first = slots.tryAcquire('t')!;
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => slots.acquire('t').slot.then((slot) => (order.push(n), slot!)));
    first.release();
    (await waits[0]).release();
    (await waits[1]).release();
    await waits[2];
    expect(order).toEqual([1, 2, 3]);
  });

  it('serves a target’s fresh waiters before its backlog, with one backlog grant in four when both wait', async () => {
    const slots = new TargetSlots(1, 100);
    const held = slots.tryAcquire('t')!;
    const order: string[] = [];
    const waits = [
      ...['b1', 'b2', 'b3'].map((name) => [name, slots.acquire('t', 'backlog')] as const),
      ...['f1', 'f2', 'f3', 'f4', 'f5'].map((name) => [name, slots.acquire('t', 'fresh')] as const),
    ];
    for (const [name, w] of waits) void w.slot.then((s) => (order.push(name), s));
    let slot = held;
    for (let i = 0; i < waits.length; i++) {
      slot.release();
      await new Promise((r) => setImmediate(r));
      slot = (await waits.find(([name]) => name === order[order.length - 1])![1].slot)!;
    }
    slot.release();
    expect(order).toEqual(['f1', 'f2', 'f3', 'b1', 'f4', 'f5', 'b2', 'b3']);
    expect(slots.inflight('t')).toBe(0);
  });

  it('resolves a cancelled wait to null', async () => {
    const slots = new TargetSlots(1, 10);
    slots.tryAcquire('t');
    const wait = slots.acquire('t');
    wait.cancel();
    expect(await wait.slot).toBeNull();
  });

  it('calls a target hanging only when every one of its slots is held by a detached attempt', () => {
    const slots = new TargetSlots(2, 10);
    const first = slots.tryAcquire('t')!;
    const second = slots.tryAcquire('t')!;
    expect(slots.hanging('t')).toBe(false); // saturated by live batches: busy, not hanging
    first.detach();
    expect(slots.hanging('t')).toBe(false); // one slot still with a live batch
    second.detach();
    second.detach(); // detaching twice counts once
    expect(slots.hanging('t')).toBe(true);
    expect(slots.hanging('other')).toBe(false);
    first.release();
    expect(slots.hanging('t')).toBe(false);
    expect(slots.inflight('t')).toBe(1);
    second.release();
    second.release();
    expect(slots.inflight('t')).toBe(0);
    expect(slots.hanging('t')).toBe(false);
  });

  it('gives a slot freed by a detached attempt to the next waiter', async () => {
    const slots = new TargetSlots(1, 10);
    const slot = slots.tryAcquire('t')!;
    slot.detach();
    const wait = slots.acquire('t');
    slot.release();
    expect(await wait.slot).not.toBeNull();
    expect(slots.hanging('t')).toBe(false);
  });

  it('reports in-flight counts per target to its listener', () => {
    const seen: Array<[string, number]> = [];
    const slots = new TargetSlots(5, 10, { inflightChanged: (t, n) => seen.push([t, n]) });
    const r = slots.tryAcquire('t')!;
    slots.tryAcquire('t');
    r.release();
    expect(seen).toEqual([
      ['t', 1],
      ['t', 2],
      ['t', 1],
    ]);
  });
});
