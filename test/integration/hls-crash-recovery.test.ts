import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { UprezServer } from '../../src/app/uprez-server.js';
import { parseServeConfig } from '../../src/config/serve-config.js';
import { silentLogger } from '../../src/log/logger.js';
import { checkMediaPlaylist } from '../helpers/hls-checks.js';
import { waitUntil } from '../helpers/processes.js';
import { startPublisher } from '../helpers/publisher.js';

// `uprez serve` killed with SIGKILL mid-stream, then started again on the same data dir: the
// streams it left must not be served as live forever.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const hooks = pathToFileURL(path.join(repoRoot, 'src', 'image', 'ts-source-hooks.mjs')).href;
const registerHooks = `data:text/javascript,import { register } from 'node:module'; register(${JSON.stringify(hooks)});`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** orphans lists processes (ffmpeg the killed server left) whose command line names `dir`. */
function orphans(dir: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes(dir) && l.includes('ffmpeg'))
    .map((l) => Number(l.trim().split(/\s+/)[0]))
    .filter((pid) => pid !== process.pid);
}

describe.each(['ll', 'classic'])('--hls-mode %s: a server killed with SIGKILL', (mode) => {
  test('leaves open playlists that the next start ends (ENDLIST, parts and hint dropped), and they pass the checks', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'uprez-crash-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '--import',
        registerHooks,
        path.join(repoRoot, 'src', 'cli', 'main.ts'),
        'serve',
        '--host',
        '127.0.0.1',
        '--rtmp-port',
        '0',
        '--http-port',
        '0',
        '--data-dir',
        dataDir,
        '--model',
        'none',
        '--hls-mode',
        mode,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cleanups.push(() => {
      child.kill('SIGKILL');
      for (const pid of orphans(dataDir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    await waitUntil(() => /uprez serving/.test(out), 60_000, 'the server to start');
    const rtmp = /rtmp=rtmp:\/\/[^:]+:(\d+)/.exec(out)?.[1];
    const pub = startPublisher({ url: `rtmp://127.0.0.1:${rtmp}/live/cam9`, seconds: 30, width: 320, height: 180, fps: 25 });
    cleanups.push(() => pub.kill());
    const playlist = path.join(dataDir, 'hls', 'cam9', '360p', 'index.m3u8');
    await waitUntil(
      () => existsSync(playlist) && (readFileSync(playlist, 'utf8').match(/#EXTINF/g) ?? []).length >= 2,
      60_000,
      'two segments',
    );

    child.kill('SIGKILL');
    await new Promise<void>((r) => child.once('exit', () => r()));
    pub.kill();
    const left = readFileSync(playlist, 'utf8');
    expect(left).not.toContain('#EXT-X-ENDLIST'); // what a crash leaves: a playlist that looks live
    await waitUntil(() => orphans(dataDir).length === 0, 10_000, "the killed server's ffmpeg to exit").catch(() => undefined);

    const server = new UprezServer(
      parseServeConfig(['--host', '127.0.0.1', '--rtmp-port', '0', '--http-port', '0', '--data-dir', dataDir, '--model', 'none'], {}),
      { log: silentLogger },
    );
    const { httpPort } = await server.start();
    cleanups.push(() => server.close());
    const res = await fetch(`http://127.0.0.1:${httpPort}/hls/cam9/360p/index.m3u8`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const facts = checkMediaPlaylist(text, path.dirname(playlist));
    expect(facts.playlist.endlist).toBe(true);
    expect(text).not.toMatch(/#EXT-X-PART:|#EXT-X-PRELOAD-HINT/);
    // Every segment the crashed run listed is still there (players that were watching finish it).
    expect(facts.segments.length).toBeGreaterThanOrEqual(2);
    expect(readdirSync(path.dirname(playlist)).filter((n) => n.endsWith('.private') || n.endsWith('.tmp'))).toEqual([]);
  });
});
