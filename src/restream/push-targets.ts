import type { PushOutput } from '../encode/push-output.js';

/** PushTargetLookup is what the stream manager asks at each publish: where else should KEY's top rung go? */
export interface PushTargetLookup {
  get(key: string): PushOutput | undefined;
}

/**
 * PushTargets holds the restream destinations by stream key: a restream job registers its `to`
 * before it publishes and removes it when it ends, and the stream manager hands it to that
 * key's pipeline (and so to its encoder) when the publish arrives.
 */
export class PushTargets implements PushTargetLookup {
  private readonly byKey = new Map<string, PushOutput>();

  /** get returns the destination for KEY, if a restream registered one. */
  get(key: string): PushOutput | undefined {
    return this.byKey.get(key);
  }

  /** set registers KEY's destination; returns its removal (which only removes this registration). */
  set(key: string, push: PushOutput): () => void {
    this.byKey.set(key, push);
    return () => {
      if (this.byKey.get(key) === push) this.byKey.delete(key);
    };
  }
}
