import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Service } from 'kubernetes-models/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseServeConfig } from '../../src/config/serve-config.js';
import { parseOriginUrl } from '../../src/origin/origin-url.js';
import { parseRegistryUrl } from '../../src/registry/registry-url.js';
import { freePort, NGINX_BIN, waitForPort } from '../helpers/nginx-origin.js';
import { asK8sObject, containersOf, type K8sObject, loadYamlDocuments, podSpecOf, renderKustomization } from './kustomize-render.js';

const K8S = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'k8s');
const objects = renderKustomization(path.join(K8S, 'cluster'));
const secret = asK8sObject(loadYamlDocuments(path.join(K8S, 'secret.example.yaml'))[0], 'secret.example.yaml');

const MODELS: Record<string, (o: K8sObject) => { validate(): void }> = {
  'v1/Namespace': (o) => new Namespace(o as never),
  'v1/ConfigMap': (o) => new ConfigMap(o as never),
  'v1/Service': (o) => new Service(o as never),
  'apps/v1/Deployment': (o) => new Deployment(o as never),
  'autoscaling/v2/HorizontalPodAutoscaler': (o) => new HorizontalPodAutoscaler(o as never),
  'policy/v1/PodDisruptionBudget': (o) => new PodDisruptionBudget(o as never),
  'networking.k8s.io/v1/NetworkPolicy': (o) => new NetworkPolicy(o as never),
  'monitoring.coreos.com/v1/ServiceMonitor': (o) => new ServiceMonitor(o as never),
};

type Dict = Record<string, unknown>;
const dig = (o: unknown, ...keys: (string | number)[]): unknown =>
  keys.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Dict)[k as string] : undefined), o);

function one(kind: string, name: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  expect(found, `${kind}/${name}`).toHaveLength(1);
  return found[0] as K8sObject;
}

const labels = (o: K8sObject): Record<string, string> => dig(o, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
const selects = (selector: Record<string, string>, l: Record<string, string>): boolean =>
  Object.entries(selector).every(([k, v]) => l[k] === v);

/** serviceBehind finds the Service a URL's host names and the container port its target port is. */
function serviceBehind(host: string, port: number): { service: K8sObject; deployment: K8sObject; containerPort: number } {
  const service = one('Service', host);
  const sp = (dig(service, 'spec', 'ports') as { port: number; targetPort: string | number }[]).find((p) => p.port === port);
  expect(sp, `${host}:${port} is a port of Service ${host}`).toBeDefined();
  const deployments = objects.filter(
    (o) => o.kind === 'Deployment' && selects(dig(service, 'spec', 'selector') as Record<string, string>, labels(o)),
  );
  expect(deployments, `pods behind ${host}`).toHaveLength(1);
  const deployment = deployments[0] as K8sObject;
  const ports = containersOf(deployment).flatMap((c) => (c['ports'] as { name: string; containerPort: number }[]) ?? []);
  const target = ports.find((p) => p.name === sp?.targetPort || p.containerPort === sp?.targetPort);
  expect(target, `${host} target port ${String(sp?.targetPort)}`).toBeDefined();
  return { service, deployment, containerPort: target?.containerPort ?? 0 };
}

describe('k8s/cluster: N replicas, one origin, one registry', () => {
  const config = one('ConfigMap', 'uprez-config');
  const env = { ...(config['data'] as Record<string, string>), ...(secret['stringData'] as Record<string, string>) };
  const cfg = parseServeConfig([], env);

  test('every object is valid against its schema and lives in the uprez namespace', () => {
    for (const o of objects) {
      const model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(model, `no schema for ${o.apiVersion} ${o.kind}`).toBeDefined();
      expect(() => model?.(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
      if (o.kind !== 'Namespace') expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('uprez');
    }
  });

  test('the pods publish to the origin and lease in the registry, both reachable by name and port', () => {
    expect(cfg.hlsOrigin).not.toBe('');
    expect(cfg.registry).not.toBe('');
    const origin = parseOriginUrl(cfg.hlsOrigin, 'UPREZ_HLS_ORIGIN').base;
    const behind = serviceBehind(origin.hostname, Number(origin.port || 80));
    expect(behind.deployment.metadata.name).toBe('uprez-origin');
    const registry = parseRegistryUrl(cfg.registry, 'UPREZ_REGISTRY');
    expect(serviceBehind(registry.host, registry.port).deployment.metadata.name).toBe('uprez-redis');
    expect(cfg.leaseTtlSeconds).toBeGreaterThanOrEqual(2);
  });

  test('viewers read from a separate Service whose port only serves GET; only uprez pods may write or reach Redis', () => {
    const viewers = serviceBehind('uprez-origin', 80);
    const origin = parseOriginUrl(cfg.hlsOrigin, 'UPREZ_HLS_ORIGIN').base;
    expect(viewers.containerPort).not.toBe(serviceBehind(origin.hostname, Number(origin.port || 80)).containerPort);
    const server = labels(one('Deployment', 'uprez'));
    for (const name of ['uprez-origin', 'uprez-redis']) {
      const np = one('NetworkPolicy', name);
      const writers = (dig(np, 'spec', 'ingress') as { from?: { podSelector: { matchLabels: Record<string, string> } }[] }[]).filter(
        (r) => r.from,
      );
      expect(writers.length).toBe(1);
      expect(selects(writers[0]?.from?.[0]?.podSelector.matchLabels ?? {}, server)).toBe(true);
    }
  });

  test('the uprez Deployment may scale out: the HPA is not held at one replica', () => {
    const hpa = one('HorizontalPodAutoscaler', 'uprez');
    expect(dig(hpa, 'spec', 'maxReplicas')).toBeGreaterThan(1);
  });

  test('origin and registry pods run unprivileged with read-only root file systems', () => {
    for (const name of ['uprez-origin', 'uprez-redis']) {
      const d = one('Deployment', name);
      expect(dig(podSpecOf(d), 'securityContext', 'runAsNonRoot')).toBe(true);
      for (const c of containersOf(d)) expect(dig(c, 'securityContext', 'readOnlyRootFilesystem')).toBe(true);
    }
  });
});

/** The origin's nginx.conf, run for real with Debian's nginx: paths and ports moved into a temp folder. */
describe.runIf(NGINX_BIN !== null)('k8s/cluster origin nginx.conf works as written', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let ingest: number;
  let viewers: number;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uprez-origin-conf-'));
    for (const d of ['srv', 'tmp']) mkdirSync(path.join(dir, d));
    [ingest, viewers] = [await freePort(), await freePort()];
    const text = String(dig(one('ConfigMap', 'uprez-origin-nginx'), 'data', 'nginx.conf'))
      .replaceAll('/tmp/', `${dir}/tmp/`)
      .replaceAll('root /srv;', `root ${dir}/srv;`)
      .replace('listen 8080;', `listen 127.0.0.1:${ingest};`)
      .replace('listen 8081;', `listen 127.0.0.1:${viewers};`)
      .replace('worker_processes 2;', 'master_process off;');
    writeFileSync(path.join(dir, 'nginx.conf'), text);
    child = spawn(NGINX_BIN as string, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    await waitForPort(viewers, 10_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${stderr}`);
    });
  });
  afterAll(() => {
    child?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('PUT (creating directories) and DELETE on the ingest port; GET but no PUT on the viewers port, with short playlist caching', async () => {
    const put = await fetch(`http://127.0.0.1:${ingest}/hls/cam/720p/a.ts`, { method: 'PUT', body: 'segment' });
    expect(put.status).toBe(201);
    expect((await fetch(`http://127.0.0.1:${ingest}/hls/cam/720p/index.m3u8`, { method: 'PUT', body: '#EXTM3U\n' })).status).toBe(201);
    const seg = await fetch(`http://127.0.0.1:${viewers}/hls/cam/720p/a.ts`);
    expect([seg.status, await seg.text(), seg.headers.get('content-type')]).toEqual([200, 'segment', 'video/mp2t']);
    const pl = await fetch(`http://127.0.0.1:${viewers}/hls/cam/720p/index.m3u8`);
    expect([
      pl.status,
      pl.headers.get('cache-control'),
      pl.headers.get('content-type'),
      pl.headers.get('access-control-allow-origin'),
    ]).toEqual([200, 'max-age=1', 'application/vnd.apple.mpegurl', '*']);
    for (const method of ['PUT', 'DELETE', 'POST']) {
      const r = await fetch(`http://127.0.0.1:${viewers}/hls/cam/720p/a.ts`, { method, body: method === 'DELETE' ? undefined : 'x' });
      expect([403, 405], method).toContain(r.status);
    }
    expect(await (await fetch(`http://127.0.0.1:${viewers}/hls/cam/720p/a.ts`)).text()).toBe('segment');
    expect((await fetch(`http://127.0.0.1:${ingest}/hls/cam/720p/a.ts`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`http://127.0.0.1:${viewers}/hls/cam/720p/a.ts`)).status).toBe(404);
  });
});
