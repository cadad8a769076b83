/** Listener is any event handler; event maps below give each event its exact signature. */
type Listener = (...args: never[]) => void;

/**
 * TypedEmitter is a small event emitter whose `on`/`off`/`emit` are checked against an event map
 * (`interface Events { frame: (data: Uint8Array) => void }`). Unlike node's EventEmitter it gives
 * no special meaning to an `error` event: errors are ordinary data here, never a throw.
 */
export class TypedEmitter<E extends { [K in keyof E]: Listener }> {
  private readonly listeners = new Map<keyof E, Set<E[keyof E]>>();

  /** on registers `fn` for `event`. */
  on<K extends keyof E>(event: K, fn: E[K]): this {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(fn);
    return this;
  }

  /** off removes `fn` from `event` (no-op when it was not registered). */
  off<K extends keyof E>(event: K, fn: E[K]): this {
    this.listeners.get(event)?.delete(fn);
    return this;
  }

  /** listenerCount tells how many handlers `event` has. */
  listenerCount<K extends keyof E>(event: K): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** emit calls every handler of `event` in registration order. */
  protected emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) (fn as unknown as (...a: Parameters<E[K]>) => void)(...args);
  }
}
