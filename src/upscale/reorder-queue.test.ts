import { describe, expect, test } from 'vitest';
import { ReorderQueue } from './reorder-queue.js';

interface Item {
  readonly id: number;
  ready: boolean;
}

describe('ReorderQueue', () => {
  test('drains finished items in arrival order, stopping at the first unfinished one', () => {
    const q = new ReorderQueue<Item>(4);
    const items = [0, 1, 2, 3].map((id) => ({ id, ready: false }));
    for (const i of items) q.push(i);
    const out: number[] = [];
    (items[1] as Item).ready = true;
    (items[3] as Item).ready = true;
    q.drain((i) => out.push(i.id));
    expect(out).toEqual([]);
    (items[0] as Item).ready = true;
    q.drain((i) => out.push(i.id));
    expect(out).toEqual([0, 1]);
    (items[2] as Item).ready = true;
    q.drain((i) => out.push(i.id));
    expect(out).toEqual([0, 1, 2, 3]);
    expect(q.size).toBe(0);
  });

  test('whenEmpty and whenRoom resolve when their condition holds after a drain', async () => {
    const q = new ReorderQueue<Item>(2);
    await q.whenEmpty();
    await q.whenRoom();
    const a = { id: 0, ready: false };
    const b = { id: 1, ready: false };
    q.push(a);
    q.push(b);
    let empty = false;
    let room = false;
    void q.whenEmpty().then(() => (empty = true));
    void q.whenRoom().then(() => (room = true));
    a.ready = true;
    q.drain(() => {});
    await Promise.resolve();
    expect(room).toBe(true);
    expect(empty).toBe(false);
    b.ready = true;
    q.drain(() => {});
    await Promise.resolve();
    expect(empty).toBe(true);
  });

  test('many items finishing in a scrambled order leave in arrival order (head compaction included)', () => {
    const q = new ReorderQueue<Item>(1);
    const open: Item[] = [];
    const out: number[] = [];
    let seed = 3;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let id = 0; id < 2_000; id++) {
      const item = { id, ready: false };
      q.push(item);
      open.push(item);
      // Finish a random one of the open items (sometimes none, sometimes the head).
      if (rand() < 0.9) (open.splice(Math.floor(rand() * open.length), 1)[0] as Item).ready = true;
      q.drain((i) => out.push(i.id));
    }
    for (const i of open) i.ready = true;
    q.drain((i) => out.push(i.id));
    expect(out).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
    expect(q.size).toBe(0);
  });

  test('clear returns what was held and releases every waiter', async () => {
    const q = new ReorderQueue<Item>(1);
    q.push({ id: 7, ready: false });
    const waits = Promise.all([q.whenEmpty(), q.whenRoom()]);
    expect(q.clear().map((i) => i.id)).toEqual([7]);
    await waits;
    expect(q.size).toBe(0);
  });

  test('rejects a bound below 1', () => {
    expect(() => new ReorderQueue(0)).toThrow(RangeError);
  });
});
