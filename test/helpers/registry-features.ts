/**
 * A named fake: a small HTTP stand-in in front of moto for the registry features moto 5.2 lacks
 * (it answers them with HTTP 500): pull-through cache rules, repository creation templates, managed
 * signing, pull-time update exclusions and account settings. It answers those actions from the
 * data it is given, in ECR's JSON shapes, and forwards every other call to moto unchanged.
 */
import * as http from 'http';
import * as net from 'net';

/** What the stand-in answers (ECR's JSON shapes, as the SDK reads them). */
export interface RegistryFeatures {
  pullThroughCacheRules?: object[];
  repositoryCreationTemplates?: object[];
  /** `undefined`: SigningConfigurationNotFoundException. */
  signingConfiguration?: object;
  pullTimeUpdateExclusions?: string[];
  accountSettings?: Record<string, string>;
  /** Actions answered with AccessDeniedException (a part the registry will not let us read). */
  denied?: string[];
}

export interface RegistryFeaturesStandIn {
  readonly url: string;
  /** Replace what it answers. */
  set(features: RegistryFeatures): void;
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Start the stand-in in front of `target` (moto's endpoint, or a proxy in front of it). */
export async function startRegistryFeatures(target: string, initial: RegistryFeatures = {}): Promise<RegistryFeaturesStandIn> {
  const targetUrl = new URL(target);
  let features = initial;
  const sockets = new Set<net.Socket>();
  const answers: Record<string, (input: any) => { status: number; body: object }> = {
    DescribePullThroughCacheRules: () => ({ status: 200, body: { pullThroughCacheRules: features.pullThroughCacheRules ?? [] } }),
    DescribeRepositoryCreationTemplates: () => ({ status: 200, body: { repositoryCreationTemplates: features.repositoryCreationTemplates ?? [] } }),
    GetSigningConfiguration: () => (features.signingConfiguration
      ? { status: 200, body: { registryId: '123456789012', signingConfiguration: features.signingConfiguration } }
      : { status: 400, body: { __type: 'SigningConfigurationNotFoundException', message: 'no signing configuration' } }),
    ListPullTimeUpdateExclusions: () => ({ status: 200, body: { pullTimeUpdateExclusions: features.pullTimeUpdateExclusions ?? [] } }),
    GetAccountSetting: input => ({ status: 200, body: { name: input.name, value: features.accountSettings?.[input.name] ?? 'V2' } }),
  };
  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const action = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const send = (status: number, payload: Buffer, type = 'application/x-amz-json-1.1') => {
        res.writeHead(status, { 'content-type': type, 'content-length': String(payload.length) });
        res.end(payload);
      };
      if (features.denied?.includes(action)) {
        send(400, Buffer.from(JSON.stringify({ __type: 'AccessDeniedException', message: `not authorized to perform ecr:${action}` })));
        return;
      }
      const answer = answers[action];
      if (answer) {
        const a = answer(body.length > 0 ? JSON.parse(body.toString('utf8')) : {});
        send(a.status, Buffer.from(JSON.stringify(a.body)));
        return;
      }
      const out = await new Promise<{ status: number; type: string; body: Buffer }>((resolve, reject) => {
        const r = http.request({
          host: targetUrl.hostname,
          port: targetUrl.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, 'host': targetUrl.host, 'content-length': String(body.length) },
        }, upstream => {
          const chunks: Buffer[] = [];
          upstream.on('data', c => chunks.push(c));
          upstream.on('end', () => resolve({ status: upstream.statusCode ?? 502, type: String(upstream.headers['content-type'] ?? 'application/json'), body: Buffer.concat(chunks) }));
          upstream.on('error', reject);
        });
        r.on('error', reject);
        r.end(body);
      });
      send(out.status, out.body, out.type);
    })().catch(e => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`registry features stand-in: ${(e as Error).message}`);
    });
  });
  server.on('connection', s => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    set: f => {
      features = f;
    },
    close: () => new Promise<void>(resolve => {
      sockets.forEach(s => s.destroy());
      server.close(() => resolve());
    }),
  };
}
