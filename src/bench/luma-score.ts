/** Scoring a decoded luma file against the truth: align the whole run, then score every aligned frame. */
import { rm } from 'node:fs/promises';
import { alignRun, type RunAlignment } from './frame-align.js';
import { LumaFile } from './luma-file.js';
import { SCALE } from './viewer-context.js';
import { scoreAligned, type ClipScore } from './viewer-score.js';

/** ALIGN: offsets tried (±) and frames compared when aligning the output with the truth. */
export const ALIGN = { maxOffset: 8, frames: 30 } as const;

/** scoreLuma aligns and scores a decoded luma file against the truth, then deletes it. */
export async function scoreLuma(lumaOut: string, truth: LumaFile, ssimEvery: number): Promise<{ score: ClipScore; align: RunAlignment }> {
  const out = new LumaFile(lumaOut, truth.width, truth.height);
  try {
    const align = alignRun(out, truth, { ...ALIGN, shave: SCALE });
    return { score: scoreAligned(out, truth, align.offset, { shave: SCALE, ssimEvery }), align };
  } finally {
    out.close();
    await rm(lumaOut, { force: true });
  }
}
