/**
 * Transitional: which HlsWriter an Encoder writes into when its owner does not pass one.
 *
 * The design is that the stream pipeline creates one HlsWriter per stream run and hands it to
 * every Encoder of that run (EncoderOptions.hls). Until it does, the StreamManager registers the
 * run's writer here under the stream's directory when the run starts, and an Encoder without
 * `hls` looks it up: `append: false` (the run's first encoder) takes a registered writer that has
 * had no session yet, or starts a new run; `append: true` (a restart or reconnect) continues the
 * registered one. Once the pipeline passes `hls`, this module can go.
 */
import type { HlsWriter } from './hls-writer.js';

const writers = new Map<string, HlsWriter>();

/** registerHlsWriter makes `writer` the one for `dir` (a stream run starts); returns the unregister function. */
export function registerHlsWriter(dir: string, writer: HlsWriter): () => void {
  const old = writers.get(dir);
  if (old && old !== writer && !old.ended) void old.end();
  writers.set(dir, writer);
  return () => {
    if (writers.get(dir) === writer) writers.delete(dir);
  };
}

/**
 * hlsWriterFor returns the writer an Encoder for `dir` continues (see the module comment), or a
 * new one from `create` (registered in its place).
 */
export function hlsWriterFor(dir: string, append: boolean, create: () => HlsWriter): HlsWriter {
  const w = writers.get(dir);
  if (w && !w.ended && (append || w.sessionCount === 0)) return w;
  if (w && !w.ended) void w.end(); // a new run in the same directory: the old one is over
  const fresh = create();
  writers.set(dir, fresh);
  return fresh;
}
