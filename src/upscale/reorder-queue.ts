/**
 * ReorderQueue: the stage's reorder buffer. Items enter in arrival order and finish in any order
 * (model results come back out of order, fallbacks finish at once); drain hands out the finished
 * items at the head, in arrival order, and stops at the first unfinished one. Waiters learn when
 * the queue is empty (flush) or has room under its bound (backpressure).
 */

/** Queued is what the queue needs to know of an item: whether it is finished. */
export interface Queued {
  readonly ready: boolean;
}

/** ReorderQueue holds items until they can leave in arrival order. */
export class ReorderQueue<T extends Queued> {
  private items: T[] = [];
  private head = 0;
  private emptyWaiters: (() => void)[] = [];
  private roomWaiters: (() => void)[] = [];

  /** room: whenRoom() resolves while fewer than this many items are held. */
  constructor(private readonly room: number) {
    if (!Number.isInteger(room) || room < 1) throw new RangeError(`room must be a whole number >= 1, got ${room}`);
  }

  /** size is the number of items held. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** push appends an item (arrival order). */
  push(item: T): void {
    this.items.push(item);
  }

  /** drain passes every finished item at the head to `emit`, in order, then wakes waiters whose condition holds. */
  drain(emit: (item: T) => void): void {
    while (this.head < this.items.length && (this.items[this.head] as T).ready) {
      const item = this.items[this.head] as T;
      this.head++;
      emit(item);
    }
    // Compact now and then rather than shifting on every emission.
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.size === 0) this.emptyWaiters = wake(this.emptyWaiters);
    if (this.size < this.room) this.roomWaiters = wake(this.roomWaiters);
  }

  /** whenEmpty resolves once every item pushed so far has been drained. */
  whenEmpty(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptyWaiters.push(resolve));
  }

  /** whenRoom resolves once fewer than `room` items are held. */
  whenRoom(): Promise<void> {
    if (this.size < this.room) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** clear drops every item (returned, so the caller can release them) and resolves every waiter. */
  clear(): T[] {
    const dropped = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.emptyWaiters = wake(this.emptyWaiters);
    this.roomWaiters = wake(this.roomWaiters);
    return dropped;
  }
}

function wake(waiters: (() => void)[]): (() => void)[] {
  for (const w of waiters) w();
  return [];
}
