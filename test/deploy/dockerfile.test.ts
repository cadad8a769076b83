import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { parseServeConfig, SERVE_DEFAULTS, SERVE_FIELDS } from '../../src/config/serve-config.js';
import { envOf, jsonArgs, parseDockerfile, type Stage } from './dockerfile-parse.js';
import { podSpecOf, renderKustomization } from './kustomize-render.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (f: string): string => readFileSync(path.join(repo, f), 'utf8');
const dockerfile = parseDockerfile(read('Dockerfile'));
const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string>; engines: { node: string } };
const SERVE_ENV = new Set<string>(SERVE_FIELDS.map((f) => f.env));

function stage(name: string): Stage {
  const s = dockerfile.stages.find((x) => x.name === name);
  expect(s, `stage ${name}`).toBeDefined();
  return s as Stage;
}

function args(s: Stage, keyword: string): string[] {
  return s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** The stage a stage is built from, following FROM <stage> up to an image. */
function ancestry(s: Stage): string[] {
  const names: string[] = [];
  let cur: Stage | undefined = s;
  while (cur) {
    if (cur.name) names.push(cur.name);
    const from: string = cur.from;
    cur = dockerfile.stages.find((x) => x.name === from.toLowerCase());
  }
  return names;
}

const RUNTIMES = ['runtime', 'runtime-gpu'] as const;

describe('Dockerfile', () => {
  test('the CPU runtime is the default target (last stage); the GPU target exists', () => {
    expect(dockerfile.stages.at(-1)?.name).toBe('runtime');
    stage('runtime-gpu');
    stage('build-gpu');
  });

  test('Node in the image is the version package.json asks for', () => {
    const major = /(\d+)/.exec(pkg.engines.node)?.[1];
    expect(dockerfile.globalArgs.get('NODE_VERSION')).toBe(major);
    expect(stage('build').from).toBe('node:${NODE_VERSION}-bookworm-slim');
  });

  test.each(RUNTIMES)('%s: runs as a non-root numeric user, the same uid the k8s pods use', (name) => {
    const users = args(stage(name), 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1) as string;
    const [uid] = user.split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    const k8s = renderKustomization(path.join(repo, 'k8s', name === 'runtime' ? '' : 'gpu'));
    const deployment = k8s.find((o) => o.kind === 'Deployment');
    expect((podSpecOf(deployment!)?.['securityContext'] as { runAsUser?: number }).runAsUser).toBe(Number(uid));
  });

  test.each(RUNTIMES)('%s: HEALTHCHECK asks /healthz on the default HTTP port; ENTRYPOINT is the uprez bin; CMD serve', (name) => {
    const s = stage(name);
    const health = args(s, 'HEALTHCHECK').at(-1) ?? '';
    expect(health).toMatch(/\bCMD\b/);
    expect(health).toContain('/healthz');
    expect(health).toContain(`UPREZ_HTTP_PORT||${SERVE_DEFAULTS.httpPort}`);
    const entry = jsonArgs(s.instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1));
    expect(entry).toEqual(['node', pkg.bin['uprez']]);
    expect(jsonArgs(s.instructions.filter((i) => i.keyword === 'CMD').at(-1))).toEqual(['serve']);
    expect(args(s, 'EXPOSE').join(' ').split(/\s+/).map(Number).sort()).toEqual([SERVE_DEFAULTS.rtmpPort, SERVE_DEFAULTS.httpPort].sort());
  });

  test.each(RUNTIMES)('%s: its UPREZ_* settings are serve options with valid values; the data dir is the volume', (name) => {
    const env = envOf(stage(name));
    const uprez = Object.fromEntries([...env].filter(([k]) => k.startsWith('UPREZ_')));
    for (const k of Object.keys(uprez)) expect(SERVE_ENV.has(k), k).toBe(true);
    const cfg = parseServeConfig([], uprez);
    expect(args(stage(name), 'VOLUME').map((v) => jsonArgs({ keyword: 'VOLUME', args: v, line: 0 }))).toEqual([[cfg.dataDir]]);
    expect(env.get('NODE_ENV')).toBe('production');
    if (name === 'runtime-gpu') expect([cfg.provider, cfg.encoder]).toEqual(['cuda', 'nvenc']);
  });

  test('no dev dependencies reach a runtime: node_modules come from the build after `npm prune --omit=dev`', () => {
    const build = stage('build');
    const runs = args(build, 'RUN');
    const compile = runs.findIndex((r) => r.includes('npm run build'));
    const prune = runs.findIndex((r) => /npm (prune|ci) .*--omit=dev/.test(r));
    expect(compile).toBeGreaterThanOrEqual(0);
    expect(prune).toBeGreaterThanOrEqual(compile);
    // Nothing after the prune in build, nor in build-gpu, installs packages again.
    const later = [...runs.slice(prune + 1), ...args(stage('build-gpu'), 'RUN')];
    for (const r of later) expect(r, r).not.toMatch(/npm (ci|install|i)\b(?!.*--omit=dev)/);
    for (const name of RUNTIMES) {
      for (const r of args(stage(name), 'RUN')) expect(r).not.toMatch(/\bnpm\b/);
      const sources = args(stage(name), 'COPY')
        .filter((c) => /\/node_modules\b/.test(c))
        .map((c) => /--from=(\S+)/.exec(c)?.[1] ?? '(context)');
      expect(sources).toHaveLength(1);
      expect(ancestry(stage(sources[0] as string))).toContain('build');
    }
  });

  test('both runtimes ship the same files (an addition to one is not forgotten in the other)', () => {
    const shipped = (name: string): string[] =>
      args(stage(name), 'COPY')
        .map((c) => c.replace(/--from=\S+\s+/, '').split(/\s+/))
        .filter((parts) => parts.at(-1) !== '/usr/local/bin/node')
        .map((parts) => parts.join(' ').replace(/\/app\//g, ''))
        .sort();
    expect(shipped('runtime-gpu')).toEqual(shipped('runtime'));
  });

  test("GPU: CUDA 12 + cuDNN runtime base; onnxruntime-node's own install script fetches the CUDA provider", () => {
    expect(dockerfile.globalArgs.get('CUDA_IMAGE')).toMatch(/^nvidia\/cuda:12\.\d+(\.\d+)?-cudnn-runtime-ubuntu\d\d\.04$/);
    expect(stage('runtime-gpu').from).toBe('${CUDA_IMAGE}');
    expect(ancestry(stage('build-gpu'))).toEqual(['build-gpu', 'build']);
    const fetch = args(stage('build-gpu'), 'RUN').join('\n');
    const flag = /cd node_modules\/onnxruntime-node && ONNXRUNTIME_NODE_INSTALL=(\S+) node script\/install\b/.exec(fetch)?.[1];
    expect(flag).toBe('cuda12');
    // Pin the mechanism to the installed onnxruntime-node: the variable it reads, the manifest
    // name, and the provider library the build checks for.
    const require = createRequire(import.meta.url);
    const scriptDir = path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'script');
    const utils = readFileSync(path.join(scriptDir, 'install-utils.js'), 'utf8');
    expect(utils).toMatch(/process\.env\.ONNXRUNTIME_NODE_INSTALL\s*\|\|\s*process\.env\.npm_config_onnxruntime_node_install/);
    const metadata = require(path.join(scriptDir, 'install-metadata.js')) as { manifests: Record<string, Record<string, unknown>> };
    const files = Object.keys(metadata.manifests[`linux/x64:${flag}`] ?? {}).map((f) => path.basename(f));
    const checked = /test -f (\S+)/.exec(fetch)?.[1] ?? '';
    expect(files).toContain(path.basename(checked));
    expect(checked).toContain('linux/x64');
    // The CPU build skips the download both ways: the variable, and package.json's allowScripts.
    expect(args(stage('build'), 'RUN').join('\n')).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip npm ci\b/);
    expect((JSON.parse(read('package.json')) as { allowScripts?: Record<string, boolean> }).allowScripts?.['onnxruntime-node']).toBe(false);
  });

  test('GPU: the driver capabilities include compute (CUDA) and video (NVENC); ffmpeg comes from the distribution', () => {
    const env = envOf(stage('runtime-gpu'));
    const caps = (env.get('NVIDIA_DRIVER_CAPABILITIES') ?? '').split(',');
    expect(caps).toEqual(expect.arrayContaining(['compute', 'video']));
    for (const name of RUNTIMES) expect(args(stage(name), 'RUN').join('\n')).toMatch(/apt-get install[^\n]*\bffmpeg\b/);
  });
});

describe('.dockerignore', () => {
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  test.each(['node_modules', 'data', 'models/train/runs', 'dist', '.git'])('excludes %s', (p) => {
    expect(ignored).toContain(p);
  });
});
