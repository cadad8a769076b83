/**
 * Loader for the native bicubic kernel (native/bicubic/, built by node-gyp from binding.gyp at
 * `npm ci`). Absent or unloadable (no compiler at install, another platform, UPREZ_BICUBIC=js),
 * the JavaScript kernel in bicubic.ts is used instead: same filter, same fixed-point weights.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** NativeBicubic is the addon's surface: one plane per call, bounds checked in C++. */
export interface NativeBicubic {
  /** resize resizes the sw x sh plane at src[srcOffset..] into dst[dstOffset..] as dw x dh. */
  resize(src: Uint8Array, srcOffset: number, sw: number, sh: number, dst: Uint8Array, dstOffset: number, dw: number, dh: number): void;
  /** The instruction set the kernel uses on this CPU: avx2, sse2 or scalar. */
  readonly simd: string;
}

/** ADDON_PATHS: from src/upscale (vitest, tsx) and from dist/src/upscale (the build), to build/Release at the package root. */
const ADDON_PATHS = ['../../build/Release/uprez_bicubic.node', '../../../build/Release/uprez_bicubic.node'];

function isNativeBicubic(m: unknown): m is NativeBicubic {
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof (m as { resize?: unknown }).resize === 'function' &&
    typeof (m as { simd?: unknown }).simd === 'string'
  );
}

/** NativeLoad is the addon, or why there is none (for the log line and the benchmark). */
export type NativeLoad = { readonly addon: NativeBicubic; readonly path: string } | { readonly addon: null; readonly why: string };

/** loadNativeBicubic finds and loads the addon; never throws. `env` is injectable for tests. */
export function loadNativeBicubic(env: NodeJS.ProcessEnv = process.env): NativeLoad {
  if (env['UPREZ_BICUBIC'] === 'js') return { addon: null, why: 'UPREZ_BICUBIC=js' };
  const require = createRequire(import.meta.url);
  for (const rel of ADDON_PATHS) {
    const url = new URL(rel, import.meta.url);
    if (!existsSync(url)) continue;
    try {
      const m: unknown = require(url.pathname);
      if (isNativeBicubic(m)) return { addon: m, path: url.pathname };
      return { addon: null, why: `${url.pathname} is not the uprez bicubic addon` };
    } catch (err) {
      return { addon: null, why: `${url.pathname} did not load: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  return { addon: null, why: 'build/Release/uprez_bicubic.node not built (npm ci builds it when python3, make and g++ are present)' };
}
