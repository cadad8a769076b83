import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { UprezError, type ErrorCode } from '../errors.js';

/** FfmpegBinaries are absolute paths to the ffmpeg and ffprobe executables. */
export interface FfmpegBinaries {
  ffmpeg: string;
  ffprobe: string;
}

const INSTALL_HINT =
  'Install it (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) ' +
  'or set FFMPEG_PATH and FFPROBE_PATH to the binaries.';

type Tool = 'ffmpeg' | 'ffprobe';

const VARIABLE: Record<Tool, string> = { ffmpeg: 'FFMPEG_PATH', ffprobe: 'FFPROBE_PATH' };
const CODE: Record<Tool, ErrorCode> = { ffmpeg: 'FFMPEG_NOT_FOUND', ffprobe: 'FFPROBE_NOT_FOUND' };

/**
 * resolveFfmpegBinaries finds ffmpeg and ffprobe: FFMPEG_PATH / FFPROBE_PATH when set (they must
 * name executable files), else the first executable `ffmpeg` / `ffprobe` on PATH. When only
 * FFMPEG_PATH is set, an ffprobe beside it is preferred over one on PATH, so a custom build is
 * not paired with the system's ffprobe. Throws UprezError FFMPEG_NOT_FOUND / FFPROBE_NOT_FOUND
 * with a message that says what to install or which variable to fix.
 */
export function resolveFfmpegBinaries(env: NodeJS.ProcessEnv = process.env): FfmpegBinaries {
  const ffmpeg = resolveTool('ffmpeg', env, null);
  const ffprobe = resolveTool('ffprobe', env, nonEmpty(env['FFMPEG_PATH']) ? path.dirname(ffmpeg) : null);
  return { ffmpeg, ffprobe };
}

function resolveTool(tool: Tool, env: NodeJS.ProcessEnv, siblingDir: string | null): string {
  const variable = VARIABLE[tool];
  const explicit = nonEmpty(env[variable]);
  if (explicit) {
    const abs = path.resolve(explicit);
    const problem = executableProblem(abs);
    if (problem) {
      throw new UprezError(
        CODE[tool],
        `${variable} is set to ${explicit}, but ${problem}. Point ${variable} at the ${tool} binary, or unset it to search PATH.`,
      );
    }
    return abs;
  }
  const names = executableNames(tool, env);
  if (siblingDir) {
    for (const name of names) {
      const candidate = path.join(siblingDir, name);
      if (!executableProblem(candidate)) return candidate;
    }
  }
  const found = searchPath(names, env);
  if (found) return found;
  throw new UprezError(CODE[tool], `${tool} was not found on PATH. ${INSTALL_HINT}`);
}

/** searchPath returns the first executable called one of `names` in env.PATH's absolute entries. */
function searchPath(names: readonly string[], env: NodeJS.ProcessEnv): string | null {
  const pathVar = env['PATH'] ?? env['Path'] ?? '';
  for (const dir of pathVar.split(path.delimiter)) {
    // Empty or relative PATH entries mean "the current directory": never pick a binary from there.
    if (!dir || !path.isAbsolute(dir)) continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (!executableProblem(candidate)) return candidate;
    }
  }
  return null;
}

/** executableNames lists file names to try: `ffmpeg`, plus PATHEXT variants on Windows. */
function executableNames(tool: Tool, env: NodeJS.ProcessEnv): string[] {
  if (process.platform !== 'win32') return [tool];
  const exts = (env['PATHEXT'] ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean);
  return [tool, ...exts.map((e) => tool + e.toLowerCase())];
}

/** executableProblem says why `file` cannot be run, or null when it can. */
function executableProblem(file: string): string | null {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch {
    return 'no file exists there';
  }
  if (!isFile) return 'that is not a file';
  try {
    accessSync(file, constants.X_OK);
  } catch {
    return `that file is not executable (chmod +x ${file})`;
  }
  return null;
}

function nonEmpty(v: string | undefined): string | null {
  return v !== undefined && v.trim() !== '' ? v : null;
}
