import type { CliIo } from '../../src/cli/cli-io.js';

/** CapturedIo is a CliIo whose stdout and stderr are kept as strings for the test to read. */
export type CapturedIo = CliIo & { out: () => string; err: () => string };

/** captureIo is a CliIo for running a command in-process: output is captured, `env` is what the command sees. */
export function captureIo(env: NodeJS.ProcessEnv = {}): CapturedIo {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env,
    out: () => out,
    err: () => err,
  };
}
