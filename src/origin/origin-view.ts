/**
 * OriginView is what one stream's upload queue knows about the origin: the paths it has put there
 * (and not deleted), what each playlist version visible there lists, and the paths it dropped
 * on the way (so no playlist listing one goes up).
 */

/** How many dropped paths are remembered (for holding playlists that list them). */
const DROPPED_MEMORY = 4_096;

/** OriginView tracks the origin's state as this queue made it. */
export class OriginView {
  private readonly up = new Set<string>();
  private readonly listed = new Map<string, readonly string[]>();
  private readonly dropped = new Set<string>();

  /** has: this queue put `rel` and has not deleted it since. */
  has(rel: string): boolean {
    return this.up.has(rel);
  }

  /** put records a successful PUT; for a playlist, `deps` is what that version lists. */
  put(rel: string, deps?: readonly string[]): void {
    this.up.add(rel);
    if (deps !== undefined) this.listed.set(rel, deps);
  }

  /** deleted records a successful DELETE. */
  deleted(rel: string): void {
    this.up.delete(rel);
    this.listed.delete(rel);
  }

  /** drop remembers that `rel` will not reach the origin (the oldest memory goes past DROPPED_MEMORY). */
  drop(rel: string): void {
    this.dropped.add(rel);
    if (this.dropped.size > DROPPED_MEMORY) {
      const oldest = this.dropped.values().next().value;
      if (oldest !== undefined) this.dropped.delete(oldest);
    }
  }

  /** undrop forgets a drop (the file was announced again). */
  undrop(rel: string): void {
    this.dropped.delete(rel);
  }

  /** wasDropped: `rel` was dropped (and not announced again since). */
  wasDropped(rel: string): boolean {
    return this.dropped.has(rel);
  }

  /** addListed adds every path that a visible playlist lists to `into`. */
  addListed(into: Set<string>): void {
    for (const deps of this.listed.values()) for (const d of deps) into.add(d);
  }
}
