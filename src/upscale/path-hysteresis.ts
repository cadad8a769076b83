/**
 * PathHysteresis keeps a stream on one rung of its ladder until it must change, so the picture
 * does not alternate between paths frame by frame (visible as flicker: texture sharpness pulsing).
 * The ladder is the stage's models, best first, then bicubic: rung 0 .. rungs-1 are models, rung
 * `rungs` is bicubic (with one model: model, bicubic). Stepping down happens at once, one rung, when
 * a frame on a rung is forced off it (predicted late, queue full, late result, model error).
 * Stepping up waits: at least the dwell on the lower rung, then the rung above must fit with
 * `headroom` to spare (the stage also asks that it keeps up with the frame rate). A stream forced
 * down again soon after stepping up doubles its dwell (up to 16x), so a model at the edge of the
 * budget settles instead of pulsing. Below the top, one shadow probe of the rung above every
 * `probeIntervalMs` keeps its latency prediction fresh (its result is only measured, never shown),
 * so a stream that stepped down during a slow spell can come back. Pure state over the stage's clock.
 */

/** HysteresisOptions tune the dwell, the headroom and the probe rate; see PathHysteresis. */
export interface HysteresisOptions {
  /** Least time on bicubic after a forced fallback before the model may be used again (default 1000 ms). */
  readonly dwellMs?: number;
  /** To come back, the prediction scaled by (1 + headroom) must still fit (default 0.25). */
  readonly headroom?: number;
  /** Least time between shadow probes while on bicubic (default 500 ms); never more often than probeDuty allows. */
  readonly probeIntervalMs?: number;
  /** Most of one worker's time probes may use (default 0.1): a 300 ms model is probed every 3 s, not every 0.5 s. */
  readonly probeDuty?: number;
}

/** PathHysteresis is the stage's path state: which rung it is on and since when. */
export class PathHysteresis {
  private level = 0;
  private since = -Infinity;
  private lastProbe = -Infinity;
  private changes = 0;
  private returnedAt = -Infinity;
  private dwell: number;
  /** Multiplier for the service-time prediction when deciding to step up. */
  readonly returnFactor: number;
  private readonly dwellMs: number;
  private readonly probeIntervalMs: number;
  private readonly probeDuty: number;

  /** `rungs` is the number of models in the ladder (bicubic is below them). */
  constructor(opts: HysteresisOptions = {}, readonly rungs = 1) {
    this.dwellMs = opts.dwellMs ?? 1_000;
    this.returnFactor = 1 + (opts.headroom ?? 0.25);
    this.probeIntervalMs = opts.probeIntervalMs ?? 500;
    this.probeDuty = opts.probeDuty ?? 0.1;
    this.dwell = this.dwellMs;
    if (!(this.dwellMs >= 0) || !(this.returnFactor >= 1) || !(this.probeIntervalMs >= 0) || !(this.probeDuty > 0 && this.probeDuty <= 1)) {
      throw new RangeError('hysteresis: dwellMs and probeIntervalMs must be >= 0, headroom >= 0, probeDuty in (0, 1]');
    }
    if (!Number.isInteger(rungs) || rungs < 1) throw new RangeError(`hysteresis: rungs must be a whole number >= 1, got ${rungs}`);
  }

  /** rung is the rung the stream is on: 0 is the best model, `rungs` is bicubic. */
  get rung(): number {
    return this.level;
  }

  /** path is the kind of path the stream is on. */
  get path(): 'model' | 'bicubic' {
    return this.level < this.rungs ? 'model' : 'bicubic';
  }

  /** dwellNow is the current dwell (ms): the base, doubled after each premature return. */
  get dwellNow(): number {
    return this.dwell;
  }

  /** switches counts rung changes in either direction. */
  get switches(): number {
    return this.changes;
  }

  /**
   * forced records that a frame on rung `from` (default: the current one) had to leave it: the
   * stream steps down to the rung below `from` now, unless it is already there or lower, in which
   * case the dwell restarts (a late result of a rung already left, or the rung above failing again).
   */
  forced(now: number, from = this.level): void {
    const target = Math.min(this.rungs, Math.max(0, from) + 1);
    if (target > this.level) {
      this.level = target;
      this.changes++;
      // Up for less than a few dwells: the return was premature, wait longer next time.
      const ran = now - this.returnedAt;
      this.dwell = ran < 4 * this.dwell ? Math.min(16 * this.dwellMs, 2 * this.dwell) : this.dwellMs;
    }
    this.since = now;
  }

  /**
   * allowUp is asked when the rung above the current one would take this frame: only after the
   * dwell and when `fitsWithHeadroom()` (evaluated lazily) says that rung fits with room to spare;
   * then the stream steps up one rung and it returns true. On the top rung it returns false.
   */
  allowUp(now: number, fitsWithHeadroom: () => boolean): boolean {
    if (this.level === 0) return false;
    if (now - this.since < this.dwell || !fitsWithHeadroom()) return false;
    this.level--;
    this.changes++;
    this.returnedAt = now;
    this.since = now;
    return true;
  }

  /**
   * shouldProbe says whether this frame should also be sent to the rung above as a shadow probe
   * (and counts it as sent): below the top, nothing in flight at that rung, and the interval
   * passed, which is at least its serviceMs / probeDuty so probes of a slow model do not starve
   * the rest of the machine.
   */
  shouldProbe(now: number, inFlightAbove: number, serviceMsAbove = 0): boolean {
    const interval = Math.max(this.probeIntervalMs, serviceMsAbove / this.probeDuty);
    if (this.level === 0 || inFlightAbove > 0 || now - this.lastProbe < interval) return false;
    this.lastProbe = now;
    return true;
  }
}
