// @ts-check
/**
 * Loader for the native SR kernel (native/sr/, built by node-gyp from binding.gyp beside the
 * bicubic one). A plain .mjs so the native inference worker (a worker thread, which vitest does
 * not transform) loads it as the main thread does. Absent or unloadable, the caller uses
 * onnxruntime and says why.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * @typedef {object} AddonConv
 * @property {number} cin
 * @property {number} cout
 * @property {number} k
 * @property {boolean} relu
 * @property {boolean} edge
 * @property {Float32Array} weight
 * @property {Float32Array} bias
 */

/**
 * @typedef {object} AddonNetSpec
 * @property {number} scale
 * @property {number} inScale
 * @property {number} outScale
 * @property {readonly AddonConv[]} body
 * @property {AddonConv | null} skip
 */

/**
 * The addon's surface (native/sr/addon.cc); `net` is an opaque handle from create().
 * @typedef {object} NativeSrAddon
 * @property {() => string[]} isas engines this CPU runs, fastest first
 * @property {(spec: AddonNetSpec, isa: string) => unknown} create
 * @property {(net: unknown) => { isa: string; lanes: number; radius: number; scale: number; cacheStripWidth: number }} describe
 * @property {(net: unknown, src: Uint8Array, w: number, h: number, dst: Uint8Array, stripWidth: number) => void} run
 * @property {(net: unknown, src: Uint8Array, w: number, h: number, rects: Int32Array, dst: Uint8Array, residual: Int16Array | null) => void} runRegions
 * @property {(isa: string, iterations: number) => { gmacs: number; seconds: number }} fmaPeak
 */

/** @typedef {{ readonly addon: NativeSrAddon; readonly path: string } | { readonly addon: null; readonly why: string }} NativeSrLoad */

/** From src/upscale/native (vitest) and dist/src/upscale/native (the build) to build/Release at the package root. */
const ADDON_PATHS = ['../../../build/Release/uprez_sr.node', '../../../../build/Release/uprez_sr.node'];

/** @param {unknown} m @returns {m is NativeSrAddon} */
function isAddon(m) {
  if (typeof m !== 'object' || m === null) return false;
  const o = /** @type {Record<string, unknown>} */ (m);
  return ['isas', 'create', 'describe', 'run', 'runRegions', 'fmaPeak'].every((k) => typeof o[k] === 'function');
}

/**
 * loadNativeSr finds and loads the addon; never throws. `env` is injectable for tests
 * (UPREZ_NATIVE_SR=off disables it).
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {NativeSrLoad}
 */
export function loadNativeSr(env = process.env) {
  if (env['UPREZ_NATIVE_SR'] === 'off') return { addon: null, why: 'UPREZ_NATIVE_SR=off' };
  const require = createRequire(import.meta.url);
  for (const rel of ADDON_PATHS) {
    const url = new URL(rel, import.meta.url);
    if (!existsSync(url)) continue;
    try {
      const m = require(url.pathname);
      if (isAddon(m)) return { addon: m, path: url.pathname };
      return { addon: null, why: `${url.pathname} is not the uprez SR addon` };
    } catch (err) {
      return { addon: null, why: `${url.pathname} did not load: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  return { addon: null, why: 'build/Release/uprez_sr.node is not built (npm ci builds it when python3, make and g++ are present)' };
}
