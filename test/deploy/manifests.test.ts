import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { main } from '../../src/cli/dispatch.js';
import { SHUTDOWN_LIMIT_MS } from '../../src/cli/serve-command.js';
import { parseServeConfig, SERVE_FIELDS } from '../../src/config/serve-config.js';
import { HttpServer } from '../../src/http/http-server.js';
import { silentLogger } from '../../src/log/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { asK8sObject, containersOf, type K8sObject, loadYamlDocuments, podSpecOf, renderKustomization } from './kustomize-render.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const K8S = path.join(repo, 'k8s');
const VERSION = (JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version;
const IMAGE = 'ghcr.io/uprez/uprez';
const SERVE_ENV = new Set<string>(SERVE_FIELDS.map((f) => f.env));
/** The Secret is created by the operator from this example, never applied by kustomize. */
const secret = asK8sObject(loadYamlDocuments(path.join(K8S, 'secret.example.yaml'))[0], 'secret.example.yaml');

/** Schema validation (types, required fields, enums) by apiVersion and kind. */
const MODELS: Record<string, (o: K8sObject) => { validate(): void }> = {
  'v1/Namespace': (o) => new Namespace(o as never),
  'v1/ConfigMap': (o) => new ConfigMap(o as never),
  'v1/Secret': (o) => new Secret(o as never),
  'v1/Service': (o) => new Service(o as never),
  'v1/PersistentVolumeClaim': (o) => new PersistentVolumeClaim(o as never),
  'apps/v1/Deployment': (o) => new Deployment(o as never),
  'autoscaling/v2/HorizontalPodAutoscaler': (o) => new HorizontalPodAutoscaler(o as never),
  'policy/v1/PodDisruptionBudget': (o) => new PodDisruptionBudget(o as never),
  'batch/v1/Job': (o) => new Job(o as never),
  'monitoring.coreos.com/v1/ServiceMonitor': (o) => new ServiceMonitor(o as never),
};

type Dict = Record<string, unknown>;
const dig = (o: unknown, ...keys: (string | number)[]): unknown =>
  keys.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Dict)[k as string] : undefined), o);

function one(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  expect(found, `${kind}${name ? `/${name}` : ''}`).toHaveLength(1);
  return found[0] as K8sObject;
}

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

interface Probe {
  httpGet?: { path: string; port: string | number };
}

/** run calls the real CLI dispatcher and captures what it prints. */
async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = { write: (s: string) => (out += s) };
  const code = await main(argv, { stdout: sink, stderr: sink, env: {} });
  return { code, out };
}

/** get answers one GET against a local server. */
function get(port: number, p: string, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p, headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

const variants = {
  cpu: renderKustomization(K8S),
  gpu: renderKustomization(path.join(K8S, 'gpu')),
};

describe.each(Object.entries(variants))('k8s (%s)', (variant, objects) => {
  const deployment = one(objects, 'Deployment', 'uprez');
  const podSpec = podSpecOf(deployment) as Dict;
  const container = (podSpec['containers'] as Dict[])[0] as Dict;
  const ports = container['ports'] as ContainerPort[];
  const podLabels = dig(deployment, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
  const configMap = one(objects, 'ConfigMap', 'uprez-config');
  const env: Record<string, string> = {
    ...(configMap['data'] as Record<string, string>),
    ...(secret['stringData'] as Record<string, string>),
  };

  test('every object is valid against its schema (Kubernetes, Prometheus Operator)', () => {
    for (const o of [...objects, secret]) {
      const model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(model, `no schema for ${o.apiVersion} ${o.kind}`).toBeDefined();
      expect(() => model?.(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
    }
  });

  test('everything is in the uprez namespace, which is part of the deploy', () => {
    expect(one(objects, 'Namespace').metadata.name).toBe('uprez');
    for (const o of [...objects, secret].filter((x) => x.kind !== 'Namespace'))
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('uprez');
  });

  test("no Secret is applied (re-applying must not wipe the operator's values); the pods need the example's", () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const refs = (container['envFrom'] as { secretRef?: { name: string; optional?: boolean } }[]).flatMap((r) =>
      r.secretRef ? [r.secretRef] : [],
    );
    expect(refs).toEqual([{ name: secret.metadata.name }]);
  });

  test('the Deployment, Services and PodDisruptionBudget select the same pods', () => {
    expect(matches(dig(deployment, 'spec', 'selector', 'matchLabels') as Record<string, string>, podLabels)).toBe(true);
    const services = objects.filter((o) => o.kind === 'Service');
    expect(services.map((s) => s.metadata.name).sort()).toEqual(['uprez-http', 'uprez-rtmp']);
    for (const s of services)
      expect(matches(dig(s, 'spec', 'selector') as Record<string, string>, podLabels), String(s.metadata.name)).toBe(true);
    const pdb = one(objects, 'PodDisruptionBudget');
    expect(matches(dig(pdb, 'spec', 'selector', 'matchLabels') as Record<string, string>, podLabels)).toBe(true);
  });

  test('Service target ports are container ports with the same protocol; RTMP keeps the client address', () => {
    for (const s of objects.filter((o) => o.kind === 'Service')) {
      for (const p of dig(s, 'spec', 'ports') as { port: number; targetPort: string | number; protocol?: string }[]) {
        const target = ports.find((c) => (typeof p.targetPort === 'string' ? c.name === p.targetPort : c.containerPort === p.targetPort));
        expect(target, `${s.metadata.name} -> ${p.targetPort}`).toBeDefined();
        expect(target?.protocol ?? 'TCP').toBe(p.protocol ?? 'TCP');
      }
    }
    const rtmp = one(objects, 'Service', 'uprez-rtmp');
    expect(dig(rtmp, 'spec', 'ports', 0, 'port')).toBe(1935);
    expect(dig(rtmp, 'spec', 'externalTrafficPolicy')).toBe('Local');
    expect(dig(one(objects, 'Service', 'uprez-http'), 'spec', 'ports', 0, 'port')).toBe(8000);
  });

  test('every variable is a `uprez serve` variable, the values parse, and ports and data dir line up', () => {
    for (const name of Object.keys(env)) expect(SERVE_ENV.has(name), name).toBe(true);
    for (const e of (container['env'] as { name: string }[] | undefined) ?? []) expect(SERVE_ENV.has(e.name), e.name).toBe(true);
    const refs = container['envFrom'] as { configMapRef?: { name: string }; secretRef?: { name: string } }[];
    expect(refs.map((r) => r.configMapRef?.name ?? r.secretRef?.name).sort()).toEqual(['uprez-config', 'uprez-secrets']);
    const cfg = parseServeConfig([], env);
    expect(ports.find((p) => p.name === 'http')?.containerPort).toBe(cfg.httpPort);
    expect(ports.find((p) => p.name === 'rtmp')?.containerPort).toBe(cfg.rtmpPort);
    expect(cfg.host).toBe('0.0.0.0');
    const dataMount = (container['volumeMounts'] as { name: string; mountPath: string }[]).find((m) => m.mountPath === cfg.dataDir);
    expect(dataMount, `a volume at ${cfg.dataDir}`).toBeDefined();
    expect([cfg.provider, cfg.encoder]).toEqual(variant === 'gpu' ? ['cuda', 'nvenc'] : ['cpu', 'x264']);
  });

  test('no Service link variable can shadow a uprez setting', () => {
    // Kubelet injects NAME_PORT, NAME_SERVICE_HOST, … for every Service in the namespace; for
    // uprez-rtmp and uprez-http those are UPREZ_RTMP_PORT and UPREZ_HTTP_PORT.
    const linked = objects
      .filter((o) => o.kind === 'Service')
      .flatMap((s) => {
        const prefix = String(s.metadata.name).toUpperCase().replace(/-/g, '_');
        return [`${prefix}_PORT`, `${prefix}_SERVICE_HOST`, `${prefix}_SERVICE_PORT`];
      });
    const collisions = linked.filter((n) => SERVE_ENV.has(n));
    if (collisions.length > 0) expect(podSpec['enableServiceLinks'], `service links would set ${collisions.join(', ')}`).toBe(false);
    expect(collisions).toEqual(['UPREZ_RTMP_PORT', 'UPREZ_HTTP_PORT']);
  });

  test('the GPU variant asks for one GPU and tolerates GPU nodes; the CPU variant asks for none', () => {
    const limits = dig(container, 'resources', 'limits') as Dict;
    const tolerations = (podSpec['tolerations'] as { key: string }[] | undefined) ?? [];
    if (variant === 'gpu') {
      expect(limits['nvidia.com/gpu']).toBe(1);
      expect(tolerations.map((t) => t.key)).toContain('nvidia.com/gpu');
    } else {
      expect(limits['nvidia.com/gpu']).toBeUndefined();
      expect(tolerations).toEqual([]);
    }
  });

  test(`images: one repository, tagged ${VERSION}${variant === 'gpu' ? '-gpu' : ''}`, () => {
    const images = objects.flatMap((o) => containersOf(o).map((c) => c['image']));
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toBe(`${IMAGE}:${VERSION}${variant === 'gpu' ? '-gpu' : ''}`);
  });

  test('pods run as non-root with a read-only root filesystem; /data and /tmp are volumes', () => {
    expect(dig(podSpec, 'securityContext', 'runAsNonRoot')).toBe(true);
    expect(dig(podSpec, 'securityContext', 'runAsUser')).toBeGreaterThan(0);
    expect(dig(container, 'securityContext', 'readOnlyRootFilesystem')).toBe(true);
    expect(dig(container, 'securityContext', 'allowPrivilegeEscalation')).toBe(false);
    expect(dig(container, 'securityContext', 'capabilities', 'drop')).toEqual(['ALL']);
    const volumes = podSpec['volumes'] as { name: string; emptyDir?: object }[];
    for (const dir of ['/data', '/tmp']) {
      const mount = (container['volumeMounts'] as { name: string; mountPath: string }[]).find((m) => m.mountPath === dir);
      expect(volumes.find((v) => v.name === mount?.name)?.emptyDir, dir).toBeDefined();
    }
  });

  test('termination: the preStop sleep and the whole drain fit in the grace period', () => {
    const command = dig(container, 'lifecycle', 'preStop', 'exec', 'command') as string[];
    expect(command[0]).toBe('sleep');
    const sleep = Number(command[1]);
    expect(sleep).toBeGreaterThanOrEqual(5);
    expect(podSpec['terminationGracePeriodSeconds']).toBeGreaterThanOrEqual(sleep + SHUTDOWN_LIMIT_MS / 1000 + 5);
    expect(dig(deployment, 'spec', 'strategy', 'rollingUpdate', 'maxUnavailable')).toBe(0);
  });

  test('the autoscaler scales the Deployment on a uprez gauge, served by the adapter rule', () => {
    const hpa = one(objects, 'HorizontalPodAutoscaler');
    expect(dig(hpa, 'spec', 'scaleTargetRef')).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    const metricNames = (dig(hpa, 'spec', 'metrics') as { type: string; pods?: { metric: { name: string } } }[]).map((m) => {
      expect(m.type).toBe('Pods');
      return m.pods?.metric.name ?? '';
    });
    const registry = createMetrics({ collectDefault: false }).registry;
    const adapter = loadYamlDocuments(path.join(K8S, 'monitoring', 'prometheus-adapter-rules.yaml')).map((v) =>
      asK8sObject(v, 'adapter'),
    )[0] as K8sObject;
    expect(() => new ConfigMap(adapter as never).validate()).not.toThrow();
    const rules = (
      parseYaml(String(dig(adapter, 'data', 'config.yaml'))) as {
        rules: {
          seriesQuery: string;
          name: { matches: string; as: string };
          resources: { overrides: Record<string, { resource: string }> };
        }[];
      }
    ).rules;
    for (const name of metricNames) {
      const metric = registry.getSingleMetric(name);
      expect(metric, `${name} in src/metrics/metrics.ts`).toBeDefined();
      const rule = rules.find((r) => r.name.as === name);
      expect(rule, `adapter rule for ${name}`).toBeDefined();
      const series = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rule?.seriesQuery ?? '')?.[0] ?? '';
      expect(registry.getSingleMetric(series), `series ${series}`).toBeDefined();
      expect(new RegExp(rule?.name.matches ?? '^$').test(series)).toBe(true);
      expect(
        Object.values(rule?.resources.overrides ?? {})
          .map((r) => r.resource)
          .sort(),
      ).toEqual(['namespace', 'pod']);
    }
  });

  describe('routes the manifests name exist in the HTTP server', () => {
    const metricsToken = 'deploy-test-metrics-token';
    let server: HttpServer | undefined;
    let port: number;
    let root: string | undefined;
    beforeAll(async () => {
      root = mkdtempSync(path.join(os.tmpdir(), 'uprez-deploy-'));
      server = new HttpServer({
        hlsRoot: root,
        streams: { list: () => [], get: () => undefined },
        metrics: createMetrics({ collectDefault: false }),
        readiness: () => ({ ready: true }),
        log: silentLogger,
        metricsToken,
      });
      port = await server.start(0, '127.0.0.1');
    });
    afterAll(async () => {
      await server?.close();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    test('probes: startup and liveness stay 200, readiness turns 503 once shutdown begins', async () => {
      const probe = (name: string): { path: string; port: string | number } => {
        const p = (container[name] as Probe | undefined)?.httpGet;
        expect(p, name).toBeDefined();
        expect(
          ports.some((c) => c.name === p?.port || c.containerPort === p?.port),
          `${name} port`,
        ).toBe(true);
        return p as { path: string; port: string | number };
      };
      const [startup, liveness, readiness] = [probe('startupProbe'), probe('livenessProbe'), probe('readinessProbe')];
      for (const p of [startup, liveness, readiness]) expect((await get(port, p.path)).status, p.path).toBe(200);
      server?.beginShutdown();
      expect((await get(port, readiness.path)).status).toBe(503);
      expect((await get(port, liveness.path)).status).toBe(200);
    });

    test("the ServiceMonitor scrapes the HTTP Service with the metrics token from the pods' Secret", async () => {
      const sm = one(objects, 'ServiceMonitor');
      const http = one(objects, 'Service', 'uprez-http');
      expect(matches(dig(sm, 'spec', 'selector', 'matchLabels') as Record<string, string>, http.metadata.labels)).toBe(true);
      expect(
        matches(
          dig(sm, 'spec', 'selector', 'matchLabels') as Record<string, string>,
          one(objects, 'Service', 'uprez-rtmp').metadata.labels,
        ),
      ).toBe(false);
      const endpoint = dig(sm, 'spec', 'endpoints', 0) as {
        port: string;
        path: string;
        authorization: { type: string; credentials: { name: string; key: string } };
      };
      expect((dig(http, 'spec', 'ports') as { name: string }[]).map((p) => p.name)).toContain(endpoint.port);
      expect(endpoint.authorization.type).toBe('Bearer');
      expect(endpoint.authorization.credentials).toEqual({ name: secret.metadata.name, key: 'UPREZ_METRICS_TOKEN' });
      expect(Object.keys(secret['stringData'] as Dict)).toContain('UPREZ_METRICS_TOKEN');
      expect((await get(port, endpoint.path)).status).toBe(401);
      const scraped = await get(port, endpoint.path, { authorization: `Bearer ${metricsToken}` });
      expect(scraped.status).toBe(200);
      expect(scraped.body).toContain('uprez_streams_active');
    });
  });
});

describe('k8s file job', () => {
  const job = asK8sObject(loadYamlDocuments(path.join(K8S, 'jobs', 'file-job.yaml'))[0], 'file-job');
  const pvc = asK8sObject(loadYamlDocuments(path.join(K8S, 'jobs', 'media-pvc.yaml'))[0], 'media-pvc');
  const container = containersOf(job)[0] as Dict;
  const args = container['args'] as string[];

  test('the Job and its volume claim are valid and line up', () => {
    expect(() => new Job(job as never).validate()).not.toThrow();
    expect(() => new PersistentVolumeClaim(pvc as never).validate()).not.toThrow();
    const volumes = podSpecOf(job)?.['volumes'] as { persistentVolumeClaim?: { claimName: string } }[];
    expect(volumes.map((v) => v.persistentVolumeClaim?.claimName)).toContain(pvc.metadata.name);
    expect(container['image']).toBe(`${IMAGE}:${VERSION}`);
    expect(dig(podSpecOf(job), 'securityContext', 'runAsNonRoot')).toBe(true);
    expect(dig(container, 'securityContext', 'readOnlyRootFilesystem')).toBe(true);
  });

  test('its command is a real `uprez` subcommand and every flag it passes is one that command documents', async () => {
    const usage = await run(['--help']);
    const commands =
      usage.out
        .split('Commands:')[1]
        ?.split('\n')
        .map((l) => /^\s+(\S+)/.exec(l)?.[1])
        .filter(Boolean) ?? [];
    expect(commands).toContain('serve');
    expect(commands).toContain(args[0]);
    const help = await run([args[0] as string, '--help']);
    expect(help.code, help.out).toBe(0);
    for (const flag of args.filter((a) => a.startsWith('--'))) expect(help.out, flag).toContain(flag);
    // Input and output live on the job's volume.
    const mounts = (container['volumeMounts'] as { mountPath: string }[]).map((m) => m.mountPath);
    for (const p of [args[1], args[args.indexOf('--out') + 1]])
      expect(
        mounts.some((m) => String(p).startsWith(`${m}/`)),
        String(p),
      ).toBe(true);
  });
});

const kubectl = ((): boolean => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
})();

describe.runIf(kubectl)('kubectl kustomize renders what these tests checked', () => {
  const key = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;
  test.each([
    ['cpu', K8S],
    ['gpu', path.join(K8S, 'gpu')],
  ] as const)('%s', (variant, dir) => {
    const text = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
    const theirs = parseAllObjects(text).sort((a, b) => key(a).localeCompare(key(b)));
    const ours = [...variants[variant]].sort((a, b) => key(a).localeCompare(key(b)));
    expect(theirs).toEqual(ours);
  });
});

function parseAllObjects(text: string): K8sObject[] {
  return text
    .split(/^---$/m)
    .map((doc) => parseYaml(doc) as unknown)
    .filter((v) => v !== null)
    .map((v, i) => asK8sObject(v, `kubectl#${i}`));
}
