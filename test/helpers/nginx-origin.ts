/**
 * A real nginx (Debian's, with the core http_dav module) as a WebDAV HLS origin on a loopback
 * port, with its own config, document root, logs and temp dirs in a temp folder. It can be
 * stopped and started again on the same port (an origin outage) and is killed on close().
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** NGINX_BIN is nginx's path, or null when it is not installed (scripts/setup.sh installs nginx-light). */
export const NGINX_BIN: string | null = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'].find((p) => existsSync(p)) ?? null;

/** REDIS_BIN is redis-server's path, or null when it is not installed. */
export const REDIS_BIN: string | null =
  ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/usr/sbin/redis-server'].find((p) => existsSync(p)) ?? null;

/** freePort asks the kernel for a free loopback port (closed again before the server binds it). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** waitForPort resolves once something accepts TCP connections on the port, or rejects after `ms`. */
export async function waitForPort(port: number, ms: number): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() - t0 > ms) throw new Error(`nothing listening on 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * originConf is the nginx.conf of a WebDAV HLS origin under `dir`: PUT and DELETE (with missing
 * directories created) and GET of the same files under /hls/. One process (master_process off),
 * so it needs no user switch when the tests run as root; logs note every request's method and status.
 */
export function originConf(dir: string, port: number): string {
  return `master_process off;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  log_format req '$request_method $uri $status';
  access_log ${dir}/access.log req;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  types {
    application/vnd.apple.mpegurl m3u8;
    video/mp2t ts;
    video/iso.segment m4s;
    video/mp4 mp4;
  }
  keepalive_timeout 65s;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/www;
    location /hls/ {
      dav_methods PUT DELETE;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
      client_max_body_size 512m;
      add_header Cache-Control no-cache;
    }
  }
}
`;
}

/** NginxOrigin is one running (or stopped) nginx origin. */
export interface NginxOrigin {
  readonly port: number;
  /** Base URL for --hls-origin: http://127.0.0.1:PORT/hls/. */
  readonly url: string;
  /** The directory nginx serves /hls/ from. */
  readonly root: string;
  /** stop kills nginx (the origin goes away); start brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** accessLog lines: "METHOD /hls/... STATUS". */
  accessLog(): Promise<string[]>;
  /** close stops nginx and removes its folder. */
  close(): Promise<void>;
}

/** startNginxOrigin writes a config into a temp folder and runs nginx on a free loopback port. */
export async function startNginxOrigin(): Promise<NginxOrigin> {
  if (NGINX_BIN === null) throw new Error('nginx is not installed (scripts/setup.sh installs nginx-light)');
  const bin = NGINX_BIN;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'uprez-nginx-'));
  await mkdir(path.join(dir, 'tmp'), { recursive: true });
  await mkdir(path.join(dir, 'www', 'hls'), { recursive: true });
  const port = await freePort();
  await writeFile(path.join(dir, 'nginx.conf'), originConf(dir, port));
  let child: ChildProcess | null = null;
  let stderr = '';
  const start = async (): Promise<void> => {
    const c = spawn(bin, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', `daemon off; pid ${dir}/nginx.pid;`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    c.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4_000)));
    child = c;
    const exited = new Promise<never>((_, reject) => c.once('exit', (code) => reject(new Error(`nginx exited (${code}): ${stderr}`))));
    exited.catch(() => undefined);
    await Promise.race([waitForPort(port, 10_000), exited]);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  };
  await start();
  return {
    port,
    url: `http://127.0.0.1:${port}/hls/`,
    root: path.join(dir, 'www', 'hls'),
    start,
    stop,
    accessLog: async () => (await readFile(path.join(dir, 'access.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
