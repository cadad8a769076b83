/**
 * HlsChanges tells whoever waits on a directory that a playlist or media file in it changed (the
 * HTTP route holds blocking playlist reloads and preload-hint requests on it). Notifications are
 * hints: waiters re-read the files, and a missed one costs at most the waiter's timeout.
 */

type Waiter = () => void;

/** HlsChanges is a per-directory wake-up list. */
export class HlsChanges {
  private readonly waiters = new Map<string, Set<Waiter>>();

  /** notify wakes every waiter on `dir` (an absolute directory path). */
  notify(dir: string): void {
    const set = this.waiters.get(dir);
    if (!set) return;
    this.waiters.delete(dir);
    for (const w of set) w();
  }

  /**
   * wait resolves true at the next notify(dir), false after `ms` or when `signal` aborts. Waiters
   * are removed either way, so an abandoned request leaves nothing behind.
   */
  wait(dir: string, ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(false);
      let set = this.waiters.get(dir);
      if (!set) this.waiters.set(dir, (set = new Set()));
      const done = (changed: boolean): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const s = this.waiters.get(dir);
        s?.delete(wake);
        if (s && s.size === 0) this.waiters.delete(dir);
        resolve(changed);
      };
      const wake: Waiter = () => done(true);
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(false), ms);
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      set.add(wake);
    });
  }

  /** waiting counts the waiters (for tests and bounds). */
  get waiting(): number {
    let n = 0;
    for (const s of this.waiters.values()) n += s.size;
    return n;
  }
}

/** hlsChanges is the process's change feed: written by DirHlsOutput, read by the HLS route. */
export const hlsChanges = new HlsChanges();
