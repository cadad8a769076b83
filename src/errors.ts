/** Errors travel as data: a code, the stage that raised it, and whether it is fatal to that stage. */

export type Stage = 'config' | 'ingest' | 'decoder' | 'upscale' | 'model' | 'encoder' | 'http' | 'ffmpeg' | 'cli' | 'origin' | 'registry';

/** UprezError is a coded error; `fatal: false` means the caller falls back and counts it. */
export class UprezError extends Error {
  override readonly name = 'UprezError';
  constructor(
    readonly code: string,
    message: string,
    readonly stage: Stage,
    readonly fatal: boolean = true,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** errorMessage extracts a printable message from anything thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
