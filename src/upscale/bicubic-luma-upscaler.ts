import { resizePlaneBicubic } from './bicubic.js';
import type { LumaUpscaler } from './luma-upscaler.js';

/** bicubicLumaUpscaler upscales Y with the stage's own bicubic (the floor path), for `--model bicubic`. */
export function bicubicLumaUpscaler(scale: number): LumaUpscaler {
  return {
    upscaleLuma: async (y, width, height) => {
      const t0 = performance.now();
      const out = resizePlaneBicubic(y, width, height, width * scale, height * scale);
      return { y: out, inferMs: performance.now() - t0 };
    },
  };
}
