/** ImageFormat is a still-image container uprez reads (GIF: first frame; HEIF: what the codec build decodes). */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'avif' | 'tiff' | 'gif' | 'heif';

/** OutputFormat is a still-image container uprez writes. */
export type OutputFormat = 'png' | 'jpeg' | 'webp' | 'avif' | 'tiff';

/** INPUT_FORMATS lists every format read, in the order help texts name them. */
export const INPUT_FORMATS: readonly ImageFormat[] = ['png', 'jpeg', 'webp', 'avif', 'tiff', 'gif', 'heif'];

/** OUTPUT_FORMATS lists every format written, in the order help texts name them. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['png', 'jpeg', 'webp', 'avif', 'tiff'];

const BY_EXTENSION: Readonly<Record<string, ImageFormat>> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.jpe': 'jpeg',
  '.webp': 'webp',
  '.avif': 'avif',
  '.tif': 'tiff',
  '.tiff': 'tiff',
  '.gif': 'gif',
  '.heic': 'heif',
  '.heif': 'heif',
};

/** formatOfName says which format a file name's extension stands for (case-insensitive), or undefined. */
export function formatOfName(name: string): ImageFormat | undefined {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot < name.lastIndexOf('/')) return undefined;
  return BY_EXTENSION[name.slice(dot).toLowerCase()];
}

/** extensionOf is the extension uprez gives files it writes in a format (with the dot). */
export function extensionOf(format: OutputFormat): string {
  if (format === 'jpeg') return '.jpg';
  if (format === 'tiff') return '.tif';
  return `.${format}`;
}

/** isOutputFormat narrows a string (e.g. a flag value) to an OutputFormat. */
export function isOutputFormat(v: string): v is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(v);
}

/** defaultOutputFormat is what an input is written as when no format is asked for: its own, or PNG for GIF and HEIF (not written). */
export function defaultOutputFormat(input: ImageFormat): OutputFormat {
  return isOutputFormat(input) ? input : 'png';
}

/** canHold16Bits says whether uprez writes 16 bits per sample in a format (PNG and TIFF; the others get 8). */
export function canHold16Bits(format: OutputFormat): boolean {
  return format === 'png' || format === 'tiff';
}

/** canHoldAlpha says whether a format keeps an alpha channel (JPEG does not: alpha is flattened onto white). */
export function canHoldAlpha(format: OutputFormat): boolean {
  return format !== 'jpeg';
}

/** MAX_SIDE is the largest width or height each output format allows. */
export const MAX_SIDE: Readonly<Record<OutputFormat, number>> = {
  png: 2 ** 31 - 1,
  jpeg: 65_535,
  webp: 16_383,
  avif: 65_536,
  tiff: 2 ** 31 - 1,
};
