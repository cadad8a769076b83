/**
 * Errors are data: one catalogue says, for every code uprez raises, the stage that raises it,
 * whether it is fatal to that stage (the stage cannot go on: its owner restarts it, fails the
 * job or stops the command) or not (the caller falls back, counts it and carries on: a model
 * error sends a frame to bicubic, a corrupt image is skipped), and the HTTP status it maps to
 * when an API call meets it. Code reads these fields to decide; messages are for people.
 */

/** Stage names the part of uprez that raised an error (also a log field). */
export type Stage =
  | 'config'
  | 'cli'
  | 'ingest'
  | 'decoder'
  | 'upscale'
  | 'model'
  | 'encoder'
  | 'hls'
  | 'http'
  | 'ffmpeg'
  | 'image'
  | 'studio'
  | 'job'
  | 'file'
  | 'restream'
  | 'eval'
  | 'origin'
  | 'registry';

/** ErrorSpec is one catalogue entry. */
export interface ErrorSpec {
  readonly stage: Stage;
  readonly fatal: boolean;
  /** HTTP status when an API request meets this error (absent: 500, an internal failure). */
  readonly status?: number;
}

const spec = (stage: Stage, fatal: boolean, status?: number): ErrorSpec =>
  status === undefined ? { stage, fatal } : { stage, fatal, status };

/** ERRORS is the catalogue: every code uprez raises. */
export const ERRORS = {
  // configuration and command line: the command cannot start
  CONFIG_INVALID: spec('config', true, 400),
  CONFIG_UNKNOWN_FLAG: spec('config', true, 400),
  DATA_DIR_UNWRITABLE: spec('config', true),
  CLI_BAD_ARG: spec('cli', true, 400),
  CLI_BAD_ARGS: spec('cli', true, 400),
  CLI_BAD_FLAG: spec('cli', true, 400),
  CLI_MISSING_ARG: spec('cli', true, 400),
  CLI_MISSING_FLAG: spec('cli', true, 400),
  CLI_MISSING_VALUE: spec('cli', true, 400),
  CLI_UNKNOWN_FLAG: spec('cli', true, 400),
  CLI_NO_SECRET: spec('cli', true, 400),
  SERVER_UNREACHABLE: spec('cli', true),
  // ffmpeg itself
  FFMPEG_NOT_FOUND: spec('ffmpeg', true),
  FFPROBE_NOT_FOUND: spec('ffmpeg', true),
  FFMPEG_SPAWN: spec('ffmpeg', true),
  FFMPEG_FAILED: spec('ffmpeg', true),
  PROBE_FAILED: spec('ffmpeg', true, 422),
  // RTMP ingest
  /** The RTMP port cannot be listened on (in use, not permitted): uprez serve cannot start. */
  INGEST_LISTEN_FAILED: spec('ingest', true),
  // decoding and encoding
  Y4M_INVALID: spec('decoder', true),
  Y4M_UNSUPPORTED: spec('decoder', true),
  ENCODER_UNAVAILABLE: spec('encoder', true),
  /** A frame of the wrong size reached the encoder: the session's owner restarts it. */
  ENCODER_FRAME_SIZE: spec('encoder', true),
  /** The HLS output cannot be written (disk full, read-only): the encoder stops itself. */
  ENCODER_OUTPUT_UNWRITABLE: spec('encoder', true),
  /** A caller broke the encoder's contract (wrote before start(), audio to a video-only encoder): a bug, fatal to that encoder. */
  ENCODER_MISUSE: spec('encoder', true),
  // HLS packaging (our playlists, LL-HLS parts)
  HLS_BAD_FMP4: spec('hls', true),
  HLS_NO_SPS: spec('hls', true),
  HLS_ENDED: spec('hls', true),
  HLS_LADDER_CHANGED: spec('hls', true),
  HLS_UNKNOWN_RUNG: spec('hls', true),
  // models
  MODEL_NOT_FOUND: spec('model', true, 400),
  MODEL_NAME_INVALID: spec('model', true, 400),
  MODEL_SCALE_MISMATCH: spec('model', true, 400),
  MODEL_CARD_MISSING: spec('model', true),
  MODEL_CARD_INVALID: spec('model', true),
  MODEL_INVALID: spec('model', true),
  MODEL_LOAD_FAILED: spec('model', true),
  MODEL_PROVIDER_UNAVAILABLE: spec('model', true),
  /** --inference-engine native on a model the native kernel does not run. */
  MODEL_ENGINE_UNAVAILABLE: spec('model', true),
  /** A model file whose ONNX protobuf does not parse (the native engine's reader). */
  ONNX_PARSE_FAILED: spec('model', true),
  /** One inference failed or its worker died: that frame takes bicubic, the runner carries on. */
  MODEL_RUN_FAILED: spec('model', false),
  MODEL_INPUT_INVALID: spec('model', false),
  /** A compression measurement (bits per pixel, QP) or denoise level out of range. */
  DENOISE_INPUT_INVALID: spec('model', false, 400),
  /** --denoise asked for a level no model at that scale is trained for (e.g. x4 has no compressed-input model). */
  DENOISE_UNAVAILABLE: spec('model', true, 400),
  MODEL_WORKER_DIED: spec('model', false),
  MODEL_UNAVAILABLE: spec('model', false),
  /** The runner was closed (shutdown): the model will not come back for this stage. */
  MODEL_CLOSED: spec('model', true),
  // images: one bad file is reported and skipped, the batch goes on
  IMAGE_BAD_NAME: spec('image', false, 400),
  IMAGE_READ: spec('image', false),
  IMAGE_CORRUPT: spec('image', false, 415),
  IMAGE_UNSUPPORTED: spec('image', false, 415),
  IMAGE_TOO_LARGE: spec('image', false, 413),
  IMAGE_ENCODE_FAILED: spec('image', false),
  IMAGE_WORKER_FAILED: spec('image', false),
  IMAGE_INTERNAL: spec('image', false),
  /** The output would overwrite the input, is written for another input of the run, or is refused (a newer file is there): that image is skipped. */
  IMAGE_OUTPUT_CONFLICT: spec('image', false, 409),
  // the /upscale page: uploads, batches, previews, zips (one request fails, the page goes on)
  UPLOAD_TOO_LARGE: spec('studio', false, 413),
  UPLOAD_EMPTY: spec('studio', false, 400),
  UPLOAD_FAILED: spec('studio', false, 400),
  BATCH_INVALID: spec('studio', false, 400),
  BATCHES_CLOSING: spec('studio', false, 503),
  PREVIEW_FAILED: spec('studio', false, 422),
  ZIP_TOO_LARGE: spec('studio', false, 413),
  ZIP_BAD_NAME: spec('studio', false),
  ZIP_FILE_CHANGED: spec('studio', false),
  ZIP_ABORTED: spec('studio', false),
  // file jobs (uprez file, POST /api/jobs type file)
  FILE_NO_VIDEO: spec('file', true, 422),
  FILE_EMPTY: spec('file', true, 422),
  FILE_CHANGED: spec('file', true, 409),
  FILE_DECODE_FAILED: spec('file', true),
  FILE_ENCODE_FAILED: spec('file', true),
  SEGMENT_MISSING: spec('file', true),
  // jobs
  INPUT_INVALID: spec('job', true, 400),
  JOB_INVALID: spec('job', true, 400),
  JOB_REFUSED: spec('job', true, 400),
  JOB_LOCKED: spec('job', true, 409),
  JOB_LOST: spec('job', true),
  JOB_CANCELLED: spec('job', true),
  JOBS_CLOSING: spec('job', true, 503),
  PUBLISH_FAILED: spec('restream', true),
  // evaluation
  EVAL_SET_EMPTY: spec('eval', true, 400),
  EVAL_SET_UNREADABLE: spec('eval', true, 400),
  // HLS origin mirror (--hls-origin): a failed request is retried or counted, never fatal to a stream
  ORIGIN_HTTP_STATUS: spec('origin', false, 502),
  ORIGIN_NETWORK: spec('origin', false, 502),
  ORIGIN_TIMEOUT: spec('origin', false, 504),
  ORIGIN_FILE_MISSING: spec('origin', false),
  ORIGIN_FILE_UNREADABLE: spec('origin', false),
  /** The continuity record could not be saved before a playlist: that playlist is tried again. */
  ORIGIN_COMMIT_FAILED: spec('origin', false),
  /** Another instance owns the stream now: nothing more of it goes to the origin. */
  ORIGIN_FENCED: spec('origin', false),
  ORIGIN_CLOSED: spec('origin', false),
  ORIGIN_BAD_KEY: spec('origin', true, 400),
  // stream registry (--registry)
  REGISTRY_UNAVAILABLE: spec('registry', false, 503),
  REGISTRY_FENCED: spec('registry', false, 409),
  REGISTRY_WRONG_KEY: spec('registry', false),
  REGISTRY_BAD_RECORD: spec('registry', false),
  // benchmarks (uprez bench): the run stops and says why
  /** Something the benchmark needs is missing: the built CLI, a clip's files. */
  BENCH_NOT_READY: spec('cli', true),
  /** The server under test did not start, answered badly, or its stream or publisher failed. */
  BENCH_SERVER_FAILED: spec('cli', true),
  /** What came out is not what was published: no rendition, no ENDLIST, a wrong size, a short luma file. */
  BENCH_OUTPUT_INVALID: spec('cli', true),
  /** Every case of a benchmark failed. */
  BENCH_NOTHING_MEASURED: spec('cli', true),
  // HTTP server
  HTTP_ALREADY_STARTED: spec('http', true),
  HTTP_LISTEN_FAILED: spec('http', true),
  HTTP_PLAYER_MISSING: spec('http', true),
} as const satisfies Record<string, ErrorSpec>;

/** ErrorCode is every code in the catalogue. */
export type ErrorCode = keyof typeof ERRORS;

/** isErrorCode says whether a string (from a worker thread, a server's JSON) is a catalogue code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code);
}

/** UprezError is a coded error; its stage, fatality and HTTP status come from the catalogue. */
export class UprezError extends Error {
  override readonly name = 'UprezError';
  readonly stage: Stage;
  readonly fatal: boolean;
  /** HTTP status for an API answer (500 when the catalogue gives none). */
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    const s: ErrorSpec = ERRORS[code];
    this.stage = s.stage;
    this.fatal = s.fatal;
    this.status = s.status ?? 500;
  }
}

/** errorMessage extracts a printable message from anything thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** isNonFatal says whether `err` is a coded error its stage survives (fall back, count, go on). */
export function isNonFatal(err: unknown): err is UprezError {
  return err instanceof UprezError && !err.fatal;
}
