// @ts-check
/**
 * Image worker thread entry: a plain .mjs (like upscale/inference-worker.mjs) so `new Worker(URL)`
 * loads the same file after tsc (dist/, where image-worker-main.js sits beside it) and under vitest
 * (src/, where only image-worker-main.ts exists: then ts-source-hooks.mjs is registered first, so
 * the TypeScript sources load through typescript's transpiler, a dev dependency).
 */
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { parentPort } from 'node:worker_threads';

if (!parentPort) throw new Error('image-worker.mjs must run in a worker thread');
const compiled = new URL('./image-worker-main.js', import.meta.url);
const source = new URL('./image-worker-main.ts', import.meta.url);
if (!existsSync(compiled)) register('./ts-source-hooks.mjs', import.meta.url);
/** @type {typeof import('./image-worker-main.js')} */
const main = await import(existsSync(compiled) ? compiled.href : source.href);
main.serveImageJobs(parentPort);
