/**
 * PathHysteresis keeps a stream on one path until it must change, so the picture does not
 * alternate between model and bicubic frame by frame (visible as flicker: texture sharpness
 * pulsing). Model -> bicubic happens at once, when a frame is forced onto bicubic (predicted late,
 * queue full, late result, model error). Bicubic -> model waits: at least the dwell on bicubic,
 * then the model must fit with `headroom` to spare (the stage also asks that it keeps up with the
 * frame rate). A stream forced off the model again soon after coming back doubles its dwell (up to
 * 16x), so a model at the edge of the budget settles instead of pulsing. While on bicubic, one shadow probe every
 * `probeIntervalMs` keeps the latency prediction fresh (its result is only measured, never shown),
 * so a stream that fell back during a slow spell can come back. Pure state over the stage's clock.
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

/** PathHysteresis is the stage's path state: which path it is on and since when. */
export class PathHysteresis {
  private state: 'model' | 'bicubic' = 'model';
  private since = -Infinity;
  private lastProbe = -Infinity;
  private changes = 0;
  private returnedAt = -Infinity;
  private dwell: number;
  /** Multiplier for the service-time prediction when deciding to come back. */
  readonly returnFactor: number;
  private readonly dwellMs: number;
  private readonly probeIntervalMs: number;
  private readonly probeDuty: number;

  constructor(opts: HysteresisOptions = {}) {
    this.dwellMs = opts.dwellMs ?? 1_000;
    this.returnFactor = 1 + (opts.headroom ?? 0.25);
    this.probeIntervalMs = opts.probeIntervalMs ?? 500;
    this.probeDuty = opts.probeDuty ?? 0.1;
    this.dwell = this.dwellMs;
    if (!(this.dwellMs >= 0) || !(this.returnFactor >= 1) || !(this.probeIntervalMs >= 0) || !(this.probeDuty > 0 && this.probeDuty <= 1)) {
      throw new RangeError('hysteresis: dwellMs and probeIntervalMs must be >= 0, headroom >= 0, probeDuty in (0, 1]');
    }
  }

  /** path is the path the stream is on. */
  get path(): 'model' | 'bicubic' {
    return this.state;
  }

  /** dwellNow is the current dwell (ms): the base, doubled after each premature return. */
  get dwellNow(): number {
    return this.dwell;
  }

  /** switches counts path changes in either direction. */
  get switches(): number {
    return this.changes;
  }

  /** forced records that a frame had to take bicubic: the stream moves to bicubic now. */
  forced(now: number): void {
    if (this.state === 'model') {
      this.state = 'bicubic';
      this.changes++;
      // Back on the model for less than a few dwells: the return was premature, wait longer next time.
      const ran = now - this.returnedAt;
      this.dwell = ran < 4 * this.dwell ? Math.min(16 * this.dwellMs, 2 * this.dwell) : this.dwellMs;
    }
    // A forced fallback while already on bicubic (a late probe-era result) restarts the dwell.
    this.since = now;
  }

  /**
   * allowModel is asked for a frame the scheduler would send to the model. On the model path it
   * always agrees; on bicubic only after the dwell and when `fitsWithHeadroom()` (evaluated lazily)
   * says the model fits with room to spare, and then the stream moves back to the model.
   */
  allowModel(now: number, fitsWithHeadroom: () => boolean): boolean {
    if (this.state === 'model') return true;
    if (now - this.since < this.dwell || !fitsWithHeadroom()) return false;
    this.state = 'model';
    this.changes++;
    this.returnedAt = now;
    return true;
  }

  /**
   * shouldProbe says whether a bicubic frame should also be sent to the model as a shadow probe
   * (and counts it as sent): on bicubic, nothing in flight, and the interval passed, which is at
   * least serviceMs / probeDuty so probes of a slow model do not starve the rest of the machine.
   */
  shouldProbe(now: number, inFlight: number, serviceMs = 0): boolean {
    const interval = Math.max(this.probeIntervalMs, serviceMs / this.probeDuty);
    if (this.state !== 'bicubic' || inFlight > 0 || now - this.lastProbe < interval) return false;
    this.lastProbe = now;
    return true;
  }
}
