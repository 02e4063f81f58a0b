/**
 * What runs outside the app: image references read from ECS, Lambda and Kubernetes, and the marking
 * of a lifecycle preview with them (`lifecycle preview --in-use`, docs/in-use.md).
 *
 * A reusable module: the live `report` command can call `readInUse` and `markInUse` the same way.
 * Every AWS call goes through clients made by the runtime policy (src/runtime).
 */
import { BatchGetImageCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient, ListClustersCommand,
  ListClustersCommandOutput, ListServicesCommand, ListServicesCommandOutput, ListTasksCommand, ListTasksCommandOutput,
} from '@aws-sdk/client-ecs';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand, ListFunctionsCommandOutput } from '@aws-sdk/client-lambda';
import { PreviewOutcome } from '../lifecycle/enums';
import { ImageDescription, LifecyclePreview } from '../lifecycle/preview';
import { escapeTerminal } from '../private/escape';
import { readBoundedText } from '../private/files';
import { parseJson } from '../private/json';
import { IN_USE_TAG_PREFIX, MANIFEST_MEDIA_TYPES } from '../runtime/in-use-tag';

/** An ECR image reference: `<account>.dkr.ecr.<region>.<suffix>/<repository>[:tag][@digest]`. */
export interface ImageRef {
  readonly account: string;
  readonly region: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Who uses an image, and by which reference. */
export interface InUseReference extends ImageRef {
  /** The reference as the user wrote it (or as the runtime reported it). */
  readonly uri: string;
  /** Who: `ecs service prod/api (task definition api:42)`, `lambda function resize`, `k8s pod default/web-1 container app`. */
  readonly user: string;
}

/** API calls made by a live read, per service and per call. */
export interface CallCounts {
  [call: string]: number;
}

const ECR_URI = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9][a-z0-9._/-]*?)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/;

/** Parse an ECR image URI; undefined for images of other registries. */
export function parseImageUri(uri: string): ImageRef | undefined {
  const cleaned = uri.replace(/^docker-pullable:\/\//, '').replace(/^docker:\/\//, '');
  const m = ECR_URI.exec(cleaned);
  if (!m) {
    return undefined;
  }
  return { account: m[1], region: m[2], repository: m[3], tag: m[4], digest: m[5] };
}

function add(out: InUseReference[], uri: string | undefined, user: string): void {
  if (!uri) {
    return;
  }
  const ref = parseImageUri(uri);
  if (ref) {
    out.push({ ...ref, uri, user });
  }
}

function count(calls: CallCounts, name: string): void {
  calls[name] = (calls[name] ?? 0) + 1;
}

/**
 * Images of ECS: every service's task definitions (its deployments: the primary and any still
 * draining) and every running task's containers (with the digest ECS resolved, when it reports one).
 */
export async function readEcs(client: ECSClient, calls: CallCounts = {}): Promise<InUseReference[]> {
  const out: InUseReference[] = [];
  const clusters: string[] = [];
  let token: string | undefined;
  do {
    const res: ListClustersCommandOutput = await client.send(new ListClustersCommand({ nextToken: token, maxResults: 100 }));
    count(calls, 'ECS ListClusters');
    clusters.push(...(res.clusterArns ?? []));
    token = res.nextToken;
  } while (token);

  const taskDefinitions = new Map<string, string[]>(); // arn -> users
  for (const cluster of clusters) {
    const clusterName = cluster.split('/').pop();
    const services: string[] = [];
    token = undefined;
    do {
      const res: ListServicesCommandOutput = await client.send(new ListServicesCommand({ cluster, nextToken: token, maxResults: 100 }));
      count(calls, 'ECS ListServices');
      services.push(...(res.serviceArns ?? []));
      token = res.nextToken;
    } while (token);
    for (let i = 0; i < services.length; i += 10) {
      const res = await client.send(new DescribeServicesCommand({ cluster, services: services.slice(i, i + 10) }));
      count(calls, 'ECS DescribeServices');
      for (const s of res.services ?? []) {
        const defs = new Set([s.taskDefinition, ...(s.deployments ?? []).map(d => d.taskDefinition)].filter((d): d is string => !!d));
        for (const d of defs) {
          const users = taskDefinitions.get(d) ?? [];
          users.push(`ecs service ${clusterName}/${s.serviceName}`);
          taskDefinitions.set(d, users);
        }
      }
    }
    const tasks: string[] = [];
    token = undefined;
    do {
      const res: ListTasksCommandOutput = await client.send(new ListTasksCommand({ cluster, desiredStatus: 'RUNNING', nextToken: token, maxResults: 100 }));
      count(calls, 'ECS ListTasks');
      tasks.push(...(res.taskArns ?? []));
      token = res.nextToken;
    } while (token);
    for (let i = 0; i < tasks.length; i += 100) {
      const res = await client.send(new DescribeTasksCommand({ cluster, tasks: tasks.slice(i, i + 100) }));
      count(calls, 'ECS DescribeTasks');
      for (const t of res.tasks ?? []) {
        const taskId = (t.taskArn ?? '').split('/').pop();
        for (const c of t.containers ?? []) {
          const user = `ecs task ${clusterName}/${taskId} container ${c.name}`;
          const ref = c.image ? parseImageUri(c.image) : undefined;
          // A running task reports the digest it pulled: that image is in use whatever the tag points to now.
          if (ref && c.imageDigest && !ref.digest) {
            out.push({ ...ref, digest: c.imageDigest, uri: `${c.image}@${c.imageDigest}`, user });
          } else {
            add(out, c.image, user);
          }
        }
      }
    }
  }
  for (const [arn, users] of taskDefinitions) {
    const res = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
    count(calls, 'ECS DescribeTaskDefinition');
    const family = `${res.taskDefinition?.family}:${res.taskDefinition?.revision}`;
    for (const c of res.taskDefinition?.containerDefinitions ?? []) {
      for (const user of users) {
        add(out, c.image, `${user} (task definition ${family}, container ${c.name})`);
      }
    }
  }
  return out;
}

/** Images of Lambda: every function of package type Image (its image URI, and the digest Lambda resolved). */
export async function readLambda(client: LambdaClient, calls: CallCounts = {}): Promise<InUseReference[]> {
  const out: InUseReference[] = [];
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const res: ListFunctionsCommandOutput = await client.send(new ListFunctionsCommand({ Marker: marker }));
    count(calls, 'Lambda ListFunctions');
    names.push(...(res.Functions ?? []).filter(f => f.PackageType === 'Image').map(f => f.FunctionName!));
    marker = res.NextMarker;
  } while (marker);
  for (const name of names) {
    const res = await client.send(new GetFunctionCommand({ FunctionName: name }));
    count(calls, 'Lambda GetFunction');
    const user = `lambda function ${name}`;
    add(out, res.Code?.ImageUri, user);
    const resolved = res.Code?.ResolvedImageUri;
    if (resolved && resolved !== res.Code?.ImageUri) {
      add(out, resolved, user);
    }
  }
  return out;
}

/** Images of Kubernetes pods, from the output of `kubectl get pods -A -o json` (spec images and the digests kubelet reports). */
export function readPods(doc: unknown, source: string): InUseReference[] {
  const items = (doc as { items?: unknown })?.items;
  if (!Array.isArray(items)) {
    throw new Error(`${source}: expected the output of "kubectl get pods -A -o json" ({"items": [...]})`);
  }
  const out: InUseReference[] = [];
  for (const pod of items as any[]) {
    const where = `${pod?.metadata?.namespace ?? 'default'}/${pod?.metadata?.name ?? '?'}`;
    const spec = pod?.spec ?? {};
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])]) {
      add(out, c?.image, `k8s pod ${where} container ${c?.name}`);
    }
    const status = pod?.status ?? {};
    for (const c of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? []), ...(status.ephemeralContainerStatuses ?? [])]) {
      if (typeof c?.imageID === 'string' && c.imageID.includes('@sha256:')) {
        add(out, c.imageID, `k8s pod ${where} container ${c?.name}`);
      }
    }
  }
  return out;
}

/** Read a pods file. */
export function readPodsFile(file: string): InUseReference[] {
  // Bounded (a pipe is fine, /dev/zero stops at the limit) and depth-limited; the caller names the file.
  const doc = parseJson(readBoundedText(file, { maxBytes: MAX_PODS_FILE_BYTES, label: 'the file', regularOnly: false }), 'the file');
  return readPods(doc, file);
}

/** Largest pods file read (`kubectl get pods -A -o json` of 10,000 pods is about 150 MB). */
export const MAX_PODS_FILE_BYTES = 256 * 1024 * 1024;

/** The repository a preview is about. */
export interface PreviewedRepository {
  readonly name: string;
  /** The registry (account), when known: references to other accounts do not count. */
  readonly account?: string;
  /** The region, when known. */
  readonly region?: string;
}

/** One image of the preview that something uses. */
export interface InUseImage {
  readonly digest: string;
  readonly outcome: PreviewOutcome;
  readonly rulePriority?: number;
  /** Who uses it, and how (`ecs service prod/api ... via :v1`). */
  readonly users: string[];
  /** Why it counts as used when nothing references it directly (an index that uses it, its subject). */
  readonly through?: string;
  /** The policy would expire or archive it while it is in use. */
  readonly atRisk: boolean;
  /** Whether an in-use protection tag (`in-use.*`) is on it. */
  readonly protectedByTag: boolean;
}

/** The preview, marked. */
export interface InUseMarking {
  readonly images: InUseImage[];
  readonly atRisk: InUseImage[];
  /** References to this repository whose tag or digest is not among its images (already gone). */
  readonly unresolved: InUseReference[];
}

/**
 * Mark the preview with the references: tags resolve to digests through the images' tags; an image
 * index keeps the images it lists (`children`: index digest -> child digests) in use, and an
 * artifact with a subject (signature, SBOM, SOCI index: `subjects`: referrer digest -> subject
 * digest) is in use when its subject is. An image the policy would expire or archive while in use
 * is AT RISK.
 */
export function markInUse(
  repo: PreviewedRepository, images: ImageDescription[], preview: LifecyclePreview, refs: InUseReference[],
  graph: { children?: Map<string, string[]>; subjects?: Map<string, string> } = {},
): InUseMarking {
  const byTag = new Map<string, string>();
  const digests = new Set<string>();
  for (const img of images) {
    digests.add(img.digest);
    for (const t of img.tags ?? []) {
      byTag.set(t, img.digest);
    }
  }
  const users = new Map<string, Set<string>>();
  const through = new Map<string, string>();
  const use = (digest: string, user: string) => {
    const set = users.get(digest) ?? new Set<string>();
    set.add(user);
    users.set(digest, set);
  };
  const unresolved: InUseReference[] = [];
  for (const ref of refs) {
    if (ref.repository !== repo.name || (repo.account && ref.account !== repo.account) || (repo.region && ref.region !== repo.region)) {
      continue;
    }
    const digest = ref.digest ?? (ref.tag !== undefined ? byTag.get(ref.tag) : byTag.get('latest'));
    if (digest === undefined || !digests.has(digest)) {
      unresolved.push(ref);
      continue;
    }
    use(digest, `${ref.user} via ${ref.digest ? `@${ref.digest.slice(0, 19)}…` : `:${ref.tag ?? 'latest'}`}`);
  }
  // An index keeps its children in use, and a referrer (signature, SBOM, SOCI index) goes with its
  // subject; both transitively (a signed index's signature, an index's children's referrers).
  const referrersOf = new Map<string, string[]>();
  for (const [referrer, subject] of graph.subjects ?? []) {
    (referrersOf.get(subject) ?? referrersOf.set(subject, []).get(subject)!).push(referrer);
  }
  const queue = [...users.keys()];
  while (queue.length > 0) {
    const d = queue.shift()!;
    for (const child of graph.children?.get(d) ?? []) {
      if (digests.has(child) && !users.has(child)) {
        use(child, `child of in-use index ${d.slice(0, 19)}…`);
        through.set(child, `index ${d}`);
        queue.push(child);
      }
    }
    for (const referrer of referrersOf.get(d) ?? []) {
      if (digests.has(referrer) && !users.has(referrer)) {
        use(referrer, `refers to in-use image ${d.slice(0, 19)}…`);
        through.set(referrer, `subject ${d}`);
        queue.push(referrer);
      }
    }
  }
  const tagsOf = new Map(images.map(i => [i.digest, i.tags ?? []]));
  const marked: InUseImage[] = [];
  for (const [digest, set] of users) {
    const d = preview.decisionFor(digest)!;
    marked.push({
      digest,
      outcome: d.outcome,
      rulePriority: d.rulePriority,
      users: [...set].sort(),
      through: through.get(digest),
      atRisk: d.outcome !== PreviewOutcome.KEEP,
      protectedByTag: (tagsOf.get(digest) ?? []).some(t => t.startsWith(IN_USE_TAG_PREFIX)),
    });
  }
  marked.sort((a, b) => Number(b.atRisk) - Number(a.atRisk) || (a.digest < b.digest ? -1 : 1));
  return { images: marked, atRisk: marked.filter(m => m.atRisk), unresolved };
}

/** What DescribeImages says about one image, as the graph read needs it. */
export interface ManifestInfo {
  readonly digest: string;
  readonly tags: string[];
  /** `imageManifestMediaType`; undefined when the source does not say (an images file, moto). */
  readonly mediaType?: string;
  /** `artifactMediaType`: the config media type of an OCI artifact (a signature, an SBOM, a SOCI index). */
  readonly artifactMediaType?: string;
}

/** Image indexes and the images they list; referrers and their subject. */
export interface ImageGraph {
  /** Index digest -> the digests of its `manifests`. */
  readonly children: Map<string, string[]>;
  /** Referrer digest -> its subject's digest (the manifest's `subject`, or a cosign `sha256-<hex>.sig|att|sbom` tag). */
  readonly subjects: Map<string, string>;
}

const INDEX_MEDIA_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
const IMAGE_CONFIG_MEDIA_TYPES = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);
const OCI_MEDIA_TYPES = new Set(['application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json']);
/** cosign's tag scheme for signatures, attestations and SBOMs of a digest (before OCI 1.1 referrers). */
const COSIGN_TAG = /^sha256-([a-f0-9]{64})\.(sig|att|sbom)$/;
/** BatchGetImage takes at most 100 image ids. */
const IDS_PER_BATCH = 100;

/**
 * Read the index and referrer graph of the repository from its manifests (`BatchGetImage`, 100 per
 * call, every media type accepted), for `markInUse`:
 *
 * - indexes: the in-use images whose manifest is an image index or manifest list (or whose media type
 *   the source does not give), then the indexes among their children, until none is left; each
 *   index's `manifests[].digest` are its children;
 * - referrers: images whose `artifactMediaType` is not an image config (an artifact), and untagged OCI
 *   manifests and indexes (or untagged images of unknown media type) that are not children of a read
 *   index: their `subject.digest`. cosign's tags (`sha256-<hex>.sig`) name their subject without a call.
 *
 * Counts calls as `ECR BatchGetImage` in `calls`.
 */
export async function readImageGraph(
  client: ECRClient, repository: { name: string; registryId?: string }, infos: ManifestInfo[], inUse: Iterable<string>, calls: CallCounts = {},
): Promise<ImageGraph> {
  const children = new Map<string, string[]>();
  const subjects = new Map<string, string>();
  const byDigest = new Map(infos.map(i => [i.digest, i]));
  const read = new Set<string>();

  const fetch = async (digests: string[]) => {
    for (let i = 0; i < digests.length; i += IDS_PER_BATCH) {
      const chunk = digests.slice(i, i + IDS_PER_BATCH);
      chunk.forEach(d => read.add(d));
      const got = await client.send(new BatchGetImageCommand({
        repositoryName: repository.name,
        registryId: repository.registryId,
        imageIds: chunk.map(imageDigest => ({ imageDigest })),
        acceptedMediaTypes: MANIFEST_MEDIA_TYPES,
      }));
      count(calls, 'ECR BatchGetImage');
      for (const image of got.images ?? []) {
        const digest = image.imageId?.imageDigest;
        if (digest === undefined || image.imageManifest === undefined) {
          continue;
        }
        let manifest: { manifests?: Array<{ digest?: unknown }>; subject?: { digest?: unknown } };
        try {
          manifest = JSON.parse(image.imageManifest);
        } catch {
          continue; // not JSON: neither an index nor a referrer
        }
        if (Array.isArray(manifest?.manifests)) {
          children.set(digest, manifest.manifests.map(m => m?.digest).filter((d): d is string => typeof d === 'string'));
        }
        if (typeof manifest?.subject?.digest === 'string') {
          subjects.set(digest, manifest.subject.digest);
        }
      }
    }
  };

  // Indexes in use, level by level (an index of indexes).
  const mayBeIndex = (d: string) => {
    const info = byDigest.get(d);
    return info !== undefined && (info.mediaType === undefined || INDEX_MEDIA_TYPES.has(info.mediaType));
  };
  let frontier = [...new Set(inUse)].filter(d => mayBeIndex(d));
  while (frontier.length > 0) {
    await fetch(frontier);
    frontier = [...new Set(frontier.flatMap(d => children.get(d) ?? []))].filter(d => !read.has(d) && mayBeIndex(d));
  }

  // Referrers.
  const listed = new Set([...children.values()].flat());
  const candidates: string[] = [];
  for (const info of infos) {
    const cosign = info.tags.map(t => COSIGN_TAG.exec(t)).find(m => m !== null);
    if (cosign) {
      subjects.set(info.digest, `sha256:${cosign[1]}`);
      continue;
    }
    if (read.has(info.digest) || listed.has(info.digest)) {
      continue;
    }
    const artifact = info.artifactMediaType !== undefined && !IMAGE_CONFIG_MEDIA_TYPES.has(info.artifactMediaType);
    const untaggedOci = info.tags.length === 0 && (info.mediaType === undefined || OCI_MEDIA_TYPES.has(info.mediaType));
    if (artifact || untaggedOci) {
      candidates.push(info.digest);
    }
  }
  await fetch(candidates);
  return { children, subjects };
}

/** The marking as text, after the preview table. */
export function renderInUse(marking: InUseMarking): string {
  const lines: string[] = [];
  for (const m of marking.images) {
    const state = m.atRisk ? `AT RISK (${m.outcome} by rule ${m.rulePriority})` : `in use, kept${m.protectedByTag ? ' (protected by tag)' : ''}`;
    lines.push(`${m.digest.slice(0, 19)}…  ${state}`);
    for (const u of m.users) {
      lines.push(`    ${u}`);
    }
  }
  for (const r of marking.unresolved) {
    lines.push(`not in the repository (already gone?): ${r.uri}  ${r.user}`);
  }
  lines.push(`${marking.images.length} images in use, ${marking.atRisk.length} AT RISK`);
  // Users are names from ECS, Lambda and pods files: escaped, one entry a line.
  return `${lines.map(l => escapeTerminal(l)).join('\n')}\n`;
}

/** Which sources `--in-use` names: `ecs,lambda,k8s=<pods.json>` (k8s may repeat). */
export interface InUseSources {
  readonly ecs: boolean;
  readonly lambda: boolean;
  readonly podFiles: string[];
}

/** Parse the value of `--in-use`; throws with what is allowed. */
export function parseInUseSources(value: string): InUseSources {
  let ecs = false;
  let lambda = false;
  const podFiles: string[] = [];
  for (const part of value.split(',').map(p => p.trim()).filter(p => p !== '')) {
    if (part === 'ecs') {
      ecs = true;
    } else if (part === 'lambda') {
      lambda = true;
    } else if (part.startsWith('k8s=') && part.length > 4) {
      podFiles.push(part.slice(4));
    } else {
      throw new Error(`--in-use ${JSON.stringify(value)}: unknown source ${JSON.stringify(part)}; use ecs, lambda and k8s=<file of "kubectl get pods -A -o json">, comma-separated`);
    }
  }
  if (!ecs && !lambda && podFiles.length === 0) {
    throw new Error(`--in-use ${JSON.stringify(value)}: name at least one of ecs, lambda, k8s=<pods.json>`);
  }
  return { ecs, lambda, podFiles };
}
