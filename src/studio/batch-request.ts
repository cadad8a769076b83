import { UprezError } from '../errors.js';
import { isOutputFormat } from '../image/image-format.js';
import { BICUBIC_MODEL_NAMES } from '../upscale/open-model.js';
import { isModelName } from '../upscale/model-registry.js';
import type { BatchRequest } from './image-batches.js';
import { UPLOAD_ID } from './upload-store.js';

/** MAX_BATCH_FILES is the most uploads one batch takes. */
export const MAX_BATCH_FILES = 200;

function invalid(msg: string): UprezError {
  return new UprezError('BATCH_INVALID', msg);
}

const ALLOWED = ['uploads', 'model', 'scale', 'format', 'quality', 'profile', 'metadata', 'denoise'];

/**
 * parseBatchRequest validates a batch body: `{"uploads":["ID",...],"model":"NAME","scale":2,
 * "format":"png"|"jpeg"|"webp"|"avif"|"tiff"|"keep","quality":90,"profile":"keep"|"srgb","metadata":false,
 * "denoise":"auto"|0|1|2|3}` (denoise absent: auto, as `uprez image`).
 * Unknown fields, model paths and unknown formats are refused with a message naming the field.
 */
export function parseBatchRequest(body: unknown): BatchRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  const extra = Object.keys(b).filter((k) => !ALLOWED.includes(k));
  if (extra.length) throw invalid(`unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${ALLOWED.join(', ')}`);
  const uploads = b['uploads'];
  if (
    !Array.isArray(uploads) ||
    uploads.length === 0 ||
    uploads.length > MAX_BATCH_FILES ||
    !uploads.every((u) => typeof u === 'string' && UPLOAD_ID.test(u))
  ) {
    throw invalid(`"uploads" must be a list of 1 to ${MAX_BATCH_FILES} upload ids`);
  }
  if (new Set(uploads).size !== uploads.length) throw invalid('"uploads" lists an upload twice');
  const model = b['model'];
  if (model !== undefined && (typeof model !== 'string' || !(isModelName(model) || BICUBIC_MODEL_NAMES.includes(model)))) {
    throw invalid('"model" must be a model NAME from models/ (letters, digits, ".", "_", "-") or "bicubic"');
  }
  const scale = b['scale'] ?? 2;
  if (scale !== 2 && scale !== 4) throw invalid('"scale" must be 2 or 4');
  const format = b['format'] ?? 'keep';
  if (typeof format !== 'string' || (format !== 'keep' && !isOutputFormat(format)))
    throw invalid('"format" must be keep, png, jpeg, webp, avif or tiff');
  const quality = b['quality'] ?? 90;
  if (typeof quality !== 'number' || !Number.isInteger(quality) || quality < 1 || quality > 100)
    throw invalid('"quality" must be a whole number from 1 to 100');
  const profile = b['profile'] ?? 'keep';
  if (profile !== 'keep' && profile !== 'srgb') throw invalid('"profile" must be keep or srgb');
  const metadata = b['metadata'] ?? false;
  if (typeof metadata !== 'boolean') throw invalid('"metadata" must be true or false');
  const denoise = b['denoise'];
  if (denoise !== undefined && denoise !== 'auto' && denoise !== 0 && denoise !== 1 && denoise !== 2 && denoise !== 3) {
    throw invalid('"denoise" must be "auto" or a level 0, 1, 2 or 3');
  }
  const base: BatchRequest = {
    uploads: uploads as string[],
    model: model as string | undefined,
    scale,
    format: format === 'keep' ? undefined : format,
    quality,
    profile,
    metadata,
  };
  return denoise === undefined ? base : { ...base, denoise };
}
