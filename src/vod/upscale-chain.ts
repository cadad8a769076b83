/**
 * Transitional: UpscaleChain moved to upscale/upscale-chain.ts (it chains upscale stages). Kept only
 * for vod/file-transcode.ts; delete once it imports upscale/upscale-chain.js.
 */
export { UpscaleChain } from '../upscale/upscale-chain.js';
