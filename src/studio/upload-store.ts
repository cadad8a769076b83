import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UprezError, errorMessage } from '../errors.js';
import { probeImage } from '../image/image-codec.js';
import { extensionOf, defaultOutputFormat, type ImageFormat } from '../image/image-format.js';

/** UploadInfo is one stored upload: a generated id, the name the client gave (for display only), and what its bytes are. */
export interface UploadInfo {
  readonly id: string;
  readonly name: string;
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly createdAt: number;
}

/** UPLOAD_ID: 16 lower-case hex digits (64 random bits), the only thing an upload is named by on disk. */
export const UPLOAD_ID = /^[0-9a-f]{16}$/;

/** DEFAULT_MAX_UPLOAD_BYTES is the upload size limit when none is configured (256 MiB). */
export const DEFAULT_MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

/** displayName cleans a client-given file name for display and download names: base name only, no control characters, at most 120 characters. */
export function displayName(raw: string | undefined): string {
  const base = (raw ?? '').slice(Math.max((raw ?? '').lastIndexOf('/'), (raw ?? '').lastIndexOf('\\')) + 1);
  const clean = base
    .replace(/[\u0000-\u001f\u007f"]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 120);
  return clean === '' || clean === '.' || clean === '..' ? 'image' : clean;
}

/** limitBytes passes at most `max` bytes, then fails the stream with UPLOAD_TOO_LARGE. */
function limitBytes(max: number): Transform & { count: () => number } {
  let n = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      if (n > max) done(new UprezError('UPLOAD_TOO_LARGE', `the upload is larger than the limit of ${max} bytes`));
      else done(null, chunk);
    },
  });
  return Object.assign(t, { count: () => n });
}

/**
 * UploadStore keeps uploaded images inside ROOT (DATA_DIR/uploads): each body is streamed to a
 * temp file under a generated name with a size limit, checked by its bytes (magic numbers, then
 * libvips' header parse: format, size, pixel limit), and only then kept as files/ID.EXT with a
 * JSON sidecar. A client-given name is never part of a path.
 */
export class UploadStore {
  private readonly files: string;
  private readonly incoming: string;
  private readonly uploads = new Map<string, UploadInfo>();

  constructor(
    readonly root: string,
    readonly maxBytes: number = DEFAULT_MAX_UPLOAD_BYTES,
  ) {
    this.files = path.join(root, 'files');
    this.incoming = path.join(root, 'incoming');
  }

  /** init creates the folders, drops half-received uploads and reads the kept ones back. */
  async init(): Promise<void> {
    await mkdir(this.files, { recursive: true });
    await rm(this.incoming, { recursive: true, force: true });
    await mkdir(this.incoming, { recursive: true });
    for (const name of await readdir(this.files)) {
      const m = /^([0-9a-f]{16})\.json$/.exec(name);
      if (!m) continue;
      try {
        const info = JSON.parse(await readFile(path.join(this.files, name), 'utf8')) as UploadInfo;
        await stat(this.fileOf(info));
        this.uploads.set(info.id, info);
      } catch {
        await this.removeFiles(m[1] as string);
      }
    }
  }

  /**
   * receive stores one upload from `body`. `declared` is the request's Content-Length (refused at
   * once when over the limit). Errors: UPLOAD_TOO_LARGE, UPLOAD_EMPTY, IMAGE_UNSUPPORTED,
   * IMAGE_CORRUPT, IMAGE_TOO_LARGE; nothing is left behind on any of them.
   */
  async receive(body: Readable, declared: number | undefined, rawName: string | undefined): Promise<UploadInfo> {
    if (declared !== undefined && declared > this.maxBytes) {
      body.resume();
      throw new UprezError('UPLOAD_TOO_LARGE', `the upload is ${declared} bytes, more than the limit of ${this.maxBytes}`);
    }
    const id = randomBytes(8).toString('hex');
    const tmp = path.join(this.incoming, `${id}.part`);
    try {
      const limit = limitBytes(this.maxBytes);
      await pipeline(body, limit, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
      if (limit.count() === 0) throw new UprezError('UPLOAD_EMPTY', 'the upload is empty');
      const p = await probeImage(tmp);
      const info: UploadInfo = {
        id,
        name: displayName(rawName),
        format: p.format,
        width: p.shown.width,
        height: p.shown.height,
        bytes: limit.count(),
        createdAt: Date.now(),
      };
      await rename(tmp, this.fileOf(info));
      await writeFile(path.join(this.files, `${id}.json`), JSON.stringify(info));
      this.uploads.set(id, info);
      return info;
    } catch (err) {
      await rm(tmp, { force: true });
      if (err instanceof UprezError) throw err;
      throw new UprezError('UPLOAD_FAILED', `the upload did not arrive whole: ${errorMessage(err)}`, { cause: err });
    }
  }

  /** get finds an upload by id (undefined for anything that is not a known id). */
  get(id: string): UploadInfo | undefined {
    return UPLOAD_ID.test(id) ? this.uploads.get(id) : undefined;
  }

  /** pathOf is where an upload's bytes are. */
  pathOf(info: UploadInfo): string {
    return this.fileOf(info);
  }

  /** list is every kept upload, newest first. */
  list(): UploadInfo[] {
    return [...this.uploads.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  /** sweep removes uploads older than `maxAgeMs` that no batch in `inUse` still reads; returns their ids. */
  async sweep(maxAgeMs: number, inUse: ReadonlySet<string>, now = Date.now()): Promise<string[]> {
    const gone: string[] = [];
    for (const u of this.uploads.values()) {
      if (now - u.createdAt < maxAgeMs || inUse.has(u.id)) continue;
      this.uploads.delete(u.id);
      await this.removeFiles(u.id, u);
      gone.push(u.id);
    }
    return gone;
  }

  private fileOf(info: Pick<UploadInfo, 'id' | 'format'>): string {
    // GIF and HEIF keep their own extension; the others the one uprez writes.
    const ext = info.format === 'gif' ? '.gif' : info.format === 'heif' ? '.heif' : extensionOf(defaultOutputFormat(info.format));
    return path.join(this.files, `${info.id}${ext}`);
  }

  private async removeFiles(id: string, info?: UploadInfo): Promise<void> {
    await rm(path.join(this.files, `${id}.json`), { force: true });
    if (info) await rm(this.fileOf(info), { force: true });
  }
}
