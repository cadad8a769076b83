import { UprezError } from '../errors.js';
import { validatePushUrl } from '../encode/push-output.js';
import { BICUBIC_MODEL_NAMES } from '../upscale/open-model.js';
import { isValidStreamKey } from '../media/stream-key.js';
import { isModelName } from '../upscale/model-registry.js';
import type { DenoiseRequest } from '../upscale/denoise-pick.js';
import type { X4Strategy } from '../vod/upscale-plan.js';

/** FileJobSpec: upscale a file of the jobs input directory into a VOD ladder (and an MP4). */
export interface FileJobSpec {
  readonly type: 'file';
  /** Path relative to the jobs input directory (or absolute inside it). */
  readonly input: string;
  readonly scale: 2 | 4;
  /** Model NAME from models/ or bicubic/none; absent = the default for the scale. Paths are not accepted over HTTP. */
  readonly model?: string;
  readonly mp4: boolean;
  readonly x4: X4Strategy;
  /** Compression level of the source ("auto" measures it; absent = 0, the model as chosen): see `uprez file --denoise`. */
  readonly denoise?: DenoiseRequest;
}

/** RestreamJobSpec: play a file of the jobs input directory into this server's ingest as KEY, in real time. */
export interface RestreamJobSpec {
  readonly type: 'restream';
  readonly input: string;
  readonly key: string;
  /** Also push the upscaled top rung to this rtmp(s):// URL. */
  readonly to?: string;
}

/** JobSpec is a validated POST /api/jobs body. */
export type JobSpec = FileJobSpec | RestreamJobSpec;

/** JobType names the kinds of job. */
export type JobType = JobSpec['type'];

function invalid(msg: string): UprezError {
  return new UprezError('JOB_INVALID', msg);
}

function only(body: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length) throw invalid(`unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${allowed.join(', ')}`);
}

function inputField(v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096)
    throw invalid('"input" must be a non-empty string of at most 4096 characters');
  return v;
}

/**
 * parseJobSpec validates a job body: `{"type":"file","input":"a.mp4","scale":2,"model":"NAME","mp4":true,"x4":"auto","denoise":"auto"}`
 * or `{"type":"restream","input":"a.mp4","key":"KEY","to":"rtmp://…"}`. Unknown fields, wrong
 * types, model paths and non-RTMP push URLs are refused with a message naming the field.
 * (Whether the input exists inside the jobs input directory is checked by the job's executor.)
 */
export function parseJobSpec(body: unknown): JobSpec {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  if (b['type'] === 'file') {
    only(b, ['type', 'input', 'scale', 'model', 'mp4', 'x4', 'denoise']);
    const scale = b['scale'] ?? 2;
    if (scale !== 2 && scale !== 4) throw invalid('"scale" must be 2 or 4');
    const model = b['model'];
    if (model !== undefined && (typeof model !== 'string' || !(isModelName(model) || BICUBIC_MODEL_NAMES.includes(model)))) {
      throw invalid('"model" must be a model NAME from models/ (letters, digits, ".", "_", "-") or "bicubic"');
    }
    const mp4 = b['mp4'] ?? false;
    if (typeof mp4 !== 'boolean') throw invalid('"mp4" must be true or false');
    const x4 = b['x4'] ?? 'auto';
    if (x4 !== 'auto' && x4 !== 'model' && x4 !== '2x2') throw invalid('"x4" must be auto, model or 2x2');
    const denoise = b['denoise'];
    if (denoise !== undefined && denoise !== 'auto' && denoise !== 0 && denoise !== 1 && denoise !== 2 && denoise !== 3) {
      throw invalid('"denoise" must be "auto" or a level 0, 1, 2 or 3');
    }
    return {
      type: 'file',
      input: inputField(b['input']),
      scale,
      ...(model !== undefined ? { model } : {}),
      mp4,
      x4,
      ...(denoise !== undefined ? { denoise } : {}),
    };
  }
  if (b['type'] === 'restream') {
    only(b, ['type', 'input', 'key', 'to']);
    if (!isValidStreamKey(b['key'])) throw invalid('"key" must match [A-Za-z0-9_-]{1,64}');
    const to = b['to'];
    if (to !== undefined) {
      if (typeof to !== 'string') throw invalid('"to" must be an rtmp:// or rtmps:// URL');
      const problem = validatePushUrl(to);
      if (problem) throw invalid(`"to" ${problem}`);
    }
    return { type: 'restream', input: inputField(b['input']), key: b['key'], ...(to !== undefined ? { to } : {}) };
  }
  throw invalid('"type" must be "file" or "restream"');
}
