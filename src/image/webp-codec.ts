/**
 * WebP through libwebp compiled to WebAssembly (@jsquash/webp, Squoosh's build): no native code, no
 * download at install. The wasm is compiled from the package's own files, since its loader would
 * fetch() them (browser-style), which Node cannot do for file paths.
 */
import { readFile } from 'node:fs/promises';
import decodeWebp, { init as initDecoder } from '@jsquash/webp/decode.js';
import encodeWebp, { init as initEncoder } from '@jsquash/webp/encode.js';
import { UprezError } from '../errors.js';

/** RgbaPixels is what the WebP codec reads and writes: 8-bit RGBA, row by row. */
export interface RgbaPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** WebpInfo is what the RIFF header says about a WebP file before it is decoded. */
export interface WebpInfo {
  readonly width: number;
  readonly height: number;
  readonly animated: boolean;
}

/** The WebAssembly global (this project's lib settings carry no WebAssembly types). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  validate(bytes: Uint8Array): boolean;
}
const wasm = (globalThis as unknown as { readonly WebAssembly: WasmApi }).WebAssembly;

/** Squoosh's init() accepts a compiled module as its first argument; its .d.ts only declares options. */
type InitWithModule = (module: object) => Promise<unknown>;

const codecFile = (rel: string): URL => new URL(import.meta.resolve(`@jsquash/webp/codec/${rel}`));

let loading: Promise<void> | undefined;

/** loadWebpCodec compiles the decoder and the encoder once per thread (SIMD build when the engine has SIMD). */
export function loadWebpCodec(): Promise<void> {
  loading ??= (async () => {
    const simd = await readFile(codecFile('enc/webp_enc_simd.wasm'));
    const enc = wasm.validate(simd) ? simd : await readFile(codecFile('enc/webp_enc.wasm'));
    const dec = await readFile(codecFile('dec/webp_dec.wasm'));
    await (initDecoder as unknown as InitWithModule)(new wasm.Module(dec));
    await (initEncoder as unknown as InitWithModule)(new wasm.Module(enc));
  })();
  return loading;
}

const fourcc = (b: Uint8Array, at: number): string => String.fromCharCode(...b.subarray(at, at + 4));

/**
 * readWebpInfo parses the RIFF header and the first chunk (VP8, VP8L or VP8X) for the picture size,
 * so a decompression bomb is refused before any pixel is decoded; undefined when it is not WebP.
 */
export function readWebpInfo(b: Uint8Array): WebpInfo | undefined {
  if (b.length < 30 || fourcc(b, 0) !== 'RIFF' || fourcc(b, 8) !== 'WEBP') return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const chunk = fourcc(b, 12);
  if (chunk === 'VP8X') {
    const u24 = (at: number) => v.getUint8(at) | (v.getUint8(at + 1) << 8) | (v.getUint8(at + 2) << 16);
    return { width: u24(24) + 1, height: u24(27) + 1, animated: (v.getUint8(20) & 0x02) !== 0 };
  }
  if (chunk === 'VP8L' && v.getUint8(20) === 0x2f) {
    const bits = v.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, animated: false };
  }
  if (chunk === 'VP8 ' && v.getUint8(23) === 0x9d && v.getUint8(24) === 0x01 && v.getUint8(25) === 0x2a) {
    return { width: v.getUint16(26, true) & 0x3fff, height: v.getUint16(28, true) & 0x3fff, animated: false };
  }
  return { width: 0, height: 0, animated: false };
}

/** decodeWebpRgba decodes a still WebP to RGBA; loadWebpCodec() must have resolved. Throws IMAGE_CORRUPT. */
export async function decodeWebpRgba(bytes: Uint8Array): Promise<RgbaPixels> {
  await loadWebpCodec();
  // The codec copies its input into wasm memory, so a view's exact bytes are passed, not its pool.
  const own = bytes.slice().buffer;
  try {
    const img = await decodeWebp(own);
    return { width: img.width, height: img.height, data: img.data };
  } catch (err) {
    throw new UprezError('IMAGE_CORRUPT', `cannot decode WEBP: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** WebpEncodeOptions: lossy quality 0..100, or lossless. */
export interface WebpEncodeOptions {
  readonly quality: number;
  readonly lossless: boolean;
}

/** encodeWebpRgba encodes RGBA pixels as a WebP file. */
export async function encodeWebpRgba(px: RgbaPixels, o: WebpEncodeOptions): Promise<Uint8Array> {
  await loadWebpCodec();
  const data = px.data instanceof Uint8ClampedArray ? px.data : new Uint8ClampedArray(px.data.buffer, px.data.byteOffset, px.data.byteLength);
  const out = await encodeWebp({ width: px.width, height: px.height, data, colorSpace: 'srgb' } as unknown as Parameters<typeof encodeWebp>[0], { quality: o.quality, lossless: o.lossless ? 1 : 0 });
  return new Uint8Array(out);
}
