/** CliIo is what a command needs from the process: output streams and the environment. */
export interface CliIo {
  readonly stdout: { write(s: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; readonly isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/** processIo returns the real process's streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** A command takes its own argv (after the command name) and resolves to an exit code. */
export type Command = (argv: readonly string[], io: CliIo) => Promise<number>;
