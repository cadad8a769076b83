/** ImageFormat is a still-image container uprez reads and writes. */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** IMAGE_FORMATS lists every format, in the order help texts name them. */
export const IMAGE_FORMATS: readonly ImageFormat[] = ['png', 'jpeg', 'webp'];

const BY_EXTENSION: Readonly<Record<string, ImageFormat>> = { '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg', '.webp': 'webp' };

/** formatOfName says which format a file name's extension stands for (case-insensitive), or undefined. */
export function formatOfName(name: string): ImageFormat | undefined {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot < name.lastIndexOf('/')) return undefined;
  return BY_EXTENSION[name.slice(dot).toLowerCase()];
}

/** extensionOf is the extension uprez gives files it writes in a format (with the dot). */
export function extensionOf(format: ImageFormat): string {
  return format === 'jpeg' ? '.jpg' : `.${format}`;
}

/** isImageFormat narrows a string (e.g. a flag value) to an ImageFormat. */
export function isImageFormat(v: string): v is ImageFormat {
  return (IMAGE_FORMATS as readonly string[]).includes(v);
}
