/**
 * Transitional: Frame and its geometry moved to media/frame.ts (the decoder, the stage and the encoder
 * all speak it). Kept only for session/, stream/ and upscale/deadline-stage.ts; delete once they import
 * media/frame.js.
 */
export * from '../media/frame.js';
