/** LumaUpscaler is what the image pipeline and the evaluation need from a model: uint8 Y in, uint8 Y at ×scale out. */
export interface LumaUpscaler {
  upscaleLuma(y: Uint8Array, width: number, height: number): Promise<{ y: Uint8Array; inferMs?: number }>;
}

/** checkUpscaledLuma throws unless `y` is exactly a (width·scale) x (height·scale) plane. */
export function checkUpscaledLuma(y: Uint8Array, width: number, height: number, scale: number): Uint8Array {
  const want = width * scale * height * scale;
  if (y.length !== want) {
    throw new RangeError(`model returned ${y.length} luma samples for ${width}x${height} at x${scale}, expected ${want}`);
  }
  return y;
}
