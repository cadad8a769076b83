/**
 * Transitional: openLumaModel moved to upscale/open-model.ts (opening a model is the upscale stage's
 * business; images, evaluation, jobs and the studio all use it). Kept only for cli/image-command.ts;
 * delete once it imports upscale/open-model.js.
 */
export { openLumaModel, type ProviderChoice } from '../upscale/open-model.js';
