/**
 * Memory that comes back: the process-wide allocator setting and the release after a stream
 * ends. Frames are megabytes each and come and go 30 times a second per stream; without this,
 * glibc kept their freed memory in its heaps and a server that had run one 720p stream stayed at
 * ~500 MB with nothing running (native/memory/addon.cc says why). Without the native addon
 * (not built, not glibc) both calls report that they did nothing.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

interface MemoryAddon {
  configure(threshold: number): boolean;
  trim(): boolean;
  readonly glibc: boolean;
}

/** Blocks of at least this many bytes are mmapped by glibc, and so unmapped when freed. */
const MMAP_THRESHOLD = 1024 * 1024;

const ADDON_PATHS = ['../../build/Release/uprez_memory.node', '../../../build/Release/uprez_memory.node'];

let addon: MemoryAddon | null | undefined;

function load(): MemoryAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  const require = createRequire(import.meta.url);
  for (const rel of ADDON_PATHS) {
    const url = new URL(rel, import.meta.url);
    if (!existsSync(url)) continue;
    try {
      const m = require(url.pathname) as Partial<MemoryAddon>;
      if (typeof m.configure === 'function' && typeof m.trim === 'function') addon = m as MemoryAddon;
    } catch {
      addon = null;
    }
    break;
  }
  return addon;
}

/** AllocatorSetup says what configureAllocator could do. */
export interface AllocatorSetup {
  readonly configured: boolean;
  /** Why not, when not. */
  readonly why?: string;
}

/** configureAllocator makes frame-sized blocks return to the OS when freed (call once, early). */
export function configureAllocator(): AllocatorSetup {
  const a = load();
  if (!a)
    return {
      configured: false,
      why: 'build/Release/uprez_memory.node not built (npm ci builds it when python3, make and g++ are present)',
    };
  if (!a.glibc) return { configured: false, why: 'not glibc: the allocator returns freed memory by its own rules' };
  return a.configure(MMAP_THRESHOLD) ? { configured: true } : { configured: false, why: 'mallopt refused the setting' };
}

let gc: (() => void) | null | undefined;

function collector(): (() => void) | null {
  if (gc !== undefined) return gc;
  try {
    // V8 can run a full collection on request once the flag is set; it takes effect for new contexts.
    setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    gc = typeof fn === 'function' ? (fn as () => void) : null;
  } catch {
    gc = null;
  }
  return gc;
}

/**
 * releaseMemory runs a full garbage collection (the frame buffers a stream left are garbage V8
 * would otherwise keep until the next allocation pressure) and returns glibc's free heap memory
 * to the OS. A few tens of ms: call it when a stream has ended, not per frame.
 */
export function releaseMemory(): void {
  collector()?.();
  load()?.trim();
}
