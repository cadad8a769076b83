import { UprezError } from '../errors.js';

/** DegradeSpec says how evaluation LR inputs are degraded after downscaling: H.264 at a CRF. */
export interface DegradeSpec {
  readonly codec: 'h264';
  /** libx264 constant rate factor, 0 (lossless) to 51. */
  readonly crf: number;
}

/** parseDegradeSpec parses `h264:CRF` (CRF a whole number 0..51); errors name the flag and the accepted form. */
export function parseDegradeSpec(text: string, flag = '--degrade'): DegradeSpec {
  const m = /^h264:(\d{1,2})$/.exec(text);
  const crf = m ? Number(m[1]) : NaN;
  if (!m || crf > 51) {
    throw new UprezError('CLI_BAD_FLAG', `${flag} must be h264:CRF with CRF from 0 to 51 (e.g. h264:28), got "${text}"`);
  }
  return { codec: 'h264', crf };
}

/** formatDegradeSpec prints a spec the way parseDegradeSpec reads it. */
export function formatDegradeSpec(spec: DegradeSpec): string {
  return `${spec.codec}:${spec.crf}`;
}
