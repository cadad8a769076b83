import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import jsonpatch, { type Operation } from 'fast-json-patch';
import { parseAllDocuments } from 'yaml';

/** K8sObject is one manifest as parsed: the fields every object has, the rest untyped. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** The subset of kustomization.yaml this renderer understands; anything else is refused. */
interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
  patches?: { path: string; target: { kind: string; name: string } }[];
}

const UNDERSTOOD = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'images', 'patches']);
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
]);

/** loadYamlDocuments parses every document of a YAML file, failing on any YAML error. */
export function loadYamlDocuments(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out: unknown[] = [];
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = d.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

/** asK8sObject checks the fields every Kubernetes object needs. */
export function asK8sObject(value: unknown, where: string): K8sObject {
  const o = value as Partial<K8sObject> | null;
  if (typeof o !== 'object' || o === null) throw new Error(`${where}: not an object`);
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') throw new Error(`${where}: apiVersion and kind are required`);
  if (typeof o.metadata !== 'object' || o.metadata === null) throw new Error(`${where}: metadata is required`);
  if (typeof o.metadata.name !== 'string' && typeof o.metadata.generateName !== 'string')
    throw new Error(`${where}: metadata.name is required`);
  return o as K8sObject;
}

/** containersOf lists the containers (and init containers) of any object with a pod template. */
export function containersOf(o: K8sObject): Record<string, unknown>[] {
  const spec = podSpecOf(o);
  if (!spec) return [];
  return [
    ...((spec['initContainers'] as Record<string, unknown>[] | undefined) ?? []),
    ...((spec['containers'] as Record<string, unknown>[] | undefined) ?? []),
  ];
}

/** podSpecOf returns the pod spec of a Deployment, Job, StatefulSet or DaemonSet (or null). */
export function podSpecOf(o: K8sObject): Record<string, unknown> | null {
  const spec = o['spec'] as { template?: { spec?: Record<string, unknown> } } | undefined;
  return spec?.template?.spec ?? null;
}

function splitImage(image: string): { name: string; tag: string | undefined } {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? { name: image.slice(0, colon), tag: image.slice(colon + 1) } : { name: image, tag: undefined };
}

/**
 * renderKustomization renders a kustomization directory the way `kubectl kustomize` does for the
 * features our manifests use: resources (files and directories), JSON 6902 patches by kind and
 * name, image tags and the namespace. Any other kustomization field is refused, so a manifest
 * change the tests cannot follow fails loudly instead of being checked wrongly.
 */
export function renderKustomization(dir: string): K8sObject[] {
  const file = path.join(dir, 'kustomization.yaml');
  const k = loadYamlDocuments(file)[0] as Kustomization;
  for (const key of Object.keys(k)) {
    if (!UNDERSTOOD.has(key)) throw new Error(`${file}: the test renderer does not understand "${key}"`);
  }
  const objects: K8sObject[] = [];
  for (const r of k.resources ?? []) {
    const p = path.join(dir, r);
    if (statSync(p).isDirectory()) objects.push(...renderKustomization(p));
    else objects.push(...loadYamlDocuments(p).map((v, i) => asK8sObject(v, `${p}#${i}`)));
  }
  for (const patch of k.patches ?? []) {
    const ops = loadYamlDocuments(path.join(dir, patch.path))[0];
    if (!Array.isArray(ops)) throw new Error(`${patch.path}: only JSON 6902 patches (a list of operations) are understood`);
    const targets = objects.filter((o) => o.kind === patch.target.kind && o.metadata.name === patch.target.name);
    if (targets.length !== 1)
      throw new Error(`${patch.path}: target ${patch.target.kind}/${patch.target.name} matched ${targets.length} objects`);
    const target = targets[0] as K8sObject;
    // validate: every operation must apply (a "replace" of a missing path fails).
    const patched = jsonpatch.applyPatch(structuredClone(target), ops as Operation[], true).newDocument;
    objects[objects.indexOf(target)] = patched;
  }
  for (const img of k.images ?? []) {
    for (const o of objects) {
      for (const c of containersOf(o)) {
        const { name, tag } = splitImage(String(c['image']));
        if (name !== img.name) continue;
        const newTag = img.newTag ?? tag;
        c['image'] = `${img.newName ?? name}${newTag === undefined ? '' : `:${newTag}`}`;
      }
    }
  }
  if (k.namespace) {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  return objects;
}
