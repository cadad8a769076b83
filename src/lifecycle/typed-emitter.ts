/** Listener is any event handler; event maps below give each event its exact signature. */
type Listener = (...args: never[]) => void;

/** ListenerFailure reports a handler that threw: which event, and what it threw. */
export type ListenerFailure = (event: string, err: unknown) => void;

/**
 * TypedEmitter is the one event style of uprez's components: a small emitter whose `on`/`off`/
 * `emit` are checked against an event map (`interface Events { frame: (data: Uint8Array) => void }`).
 * Unlike node's EventEmitter it gives no special meaning to an `error` event (errors are ordinary
 * data), and a handler that throws never throws into the emitting component: the exception goes
 * to the component's ListenerFailure (its log) and the other handlers still run.
 */
export class TypedEmitter<E extends { [K in keyof E]: Listener }> {
  private readonly listeners = new Map<keyof E, Set<E[keyof E]>>();

  constructor(private readonly onListenerFailure: ListenerFailure = defaultFailure) {}

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

  /** emit calls every handler of `event` in registration order; one that throws is reported, not rethrown. */
  protected emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        (fn as unknown as (...a: Parameters<E[K]>) => void)(...args);
      } catch (err) {
        this.onListenerFailure(String(event), err);
      }
    }
  }
}

function defaultFailure(event: string, err: unknown): void {
  // A component that did not say where to report: stderr, never a throw into the emitter.
  process.stderr.write(`uprez: a "${event}" listener threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
}
