/** The machine a benchmark ran on: CPU model, cores, memory, GPU (if any), load, date. */
import { execFile } from 'node:child_process';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { promisify } from 'node:util';

/** MachineInfo is printed at the top of every benchmark report. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  /** GPUs as nvidia-smi lists them, or "none found". */
  readonly gpu: string;
  readonly node: string;
  /** 1-minute load average when the run started (the machine may be shared). */
  readonly loadAtStart: number;
  readonly date: string;
}

/** nvidiaGpus asks nvidia-smi for the GPU list; "none found" when it is absent or fails. */
async function nvidiaGpus(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader'], {
      timeout: 5_000,
    });
    const lines = stdout.trim().split('\n').filter(Boolean);
    return lines.length ? lines.join('; ') : 'none found';
  } catch {
    return 'none found (no nvidia-smi)';
  }
}

/** describeMachine collects MachineInfo (date in UTC ISO form). */
export async function describeMachine(now: Date = new Date()): Promise<MachineInfo> {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    gpu: await nvidiaGpus(),
    node: process.version,
    loadAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    date: now.toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

/** freeMemoryGiB is for the report's notes. */
export function freeMemoryGiB(): number {
  return Math.round((freemem() / 2 ** 30) * 10) / 10;
}
