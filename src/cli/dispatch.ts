import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage, UprezError } from '../errors.js';
import { type CliIo, type Command } from './cli-io.js';
import { runDemoCommand } from './demo-command.js';
import { runServeCommand } from './serve-command.js';

const COMMANDS: Record<string, { run: () => Promise<Command>; help: string }> = {
  serve: { run: async () => runServeCommand, help: 'RTMP ingest + upscale + HLS + player + metrics (what `npm start` runs)' },
  demo: { run: async () => runDemoCommand, help: 'publish a generated test clip to a running server and print the player URL' },
  sign: {
    run: async () => (await import('./sign-command.js')).runSignCommand,
    help: 'print an HMAC-signed publish URL (UPREZ_PUBLISH_SECRET)',
  },
  image: {
    run: async () => (await import('./image-command.js')).runImageCommand,
    help: 'upscale PNG/JPEG/WebP files and folders (Y through the model, chroma bicubic); reruns skip done files',
  },
  eval: {
    run: async () => (await import('./eval-command.js')).runEvalCommand,
    help: 'Set5-style Y-PSNR/SSIM of a model beside bicubic (the standard SR protocol)',
  },
  models: {
    run: async () => (await import('./models-command.js')).runModelsCommand,
    help: 'list the shipped models with their cards (scale, MACs/px, Set5 vs bicubic, default); --json',
  },
  bench: {
    run: async () => (await import('./bench-command.js')).runBenchCommand,
    help: 'benchmarks: stage overhead, bicubic vs swscale, live, viewer quality, density; updates BENCHMARKS.md',
  },
  file: {
    run: async () => (await import('./file-command.js')).runFileCommand,
    help: 'upscale a video file in quality mode into an HLS VOD ladder (+ MP4); resumable',
  },
  restream: {
    run: async () => (await import('./restream-command.js')).runRestreamCommand,
    help: 'play an archive in real time through a running server (live pipeline); --to also pushes the result',
  },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.help}`);
  return ['Usage: uprez <command> [options]   (uprez <command> --help for its options)', '', 'Commands:', ...rows, ''].join('\n');
}

/** main dispatches `uprez <command>` and turns coded errors into one clear line and exit 1. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name ? 0 : 1;
  }
  if (name === '--version' || name === 'version') {
    io.stdout.write(`uprez ${packageVersion()}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.stderr.write(`uprez: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  try {
    return await (
      await cmd.run()
    )(rest, io);
  } catch (err) {
    if (err instanceof UprezError) {
      io.stderr.write(`uprez ${name}: ${err.message}\n`);
      return 1;
    }
    io.stderr.write(`uprez ${name}: ${err instanceof Error ? (err.stack ?? err.message) : errorMessage(err)}\n`);
    return 1;
  }
}

/** packageVersion reads the version from the nearest package.json above this module (src/ or dist/src/). */
function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'uprez' && pkg.version) return pkg.version;
    } catch {
      /* keep looking upward */
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}
