/**
 * `cdk-ecr-registry report` tests against moto over HTTP: one emulator and one paging proxy per file,
 * fake credentials in the process environment (the SDK's default chain reads it) and a `run` that
 * captures stdout, stderr and the exit code. Registers its own beforeAll/afterAll hooks.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { MotoServer, startMoto } from './moto';
import { PagingProxy, startPagingProxy } from './paging-proxy';
import { main } from '../../src/cli/main';

export interface ReportCliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ReportCli {
  readonly moto: MotoServer;
  readonly proxy: PagingProxy;
  /** An ECR client on the emulator, to seed it. */
  readonly ecr: ECRClient;
  /** `cdk-ecr-registry report <argv>`. */
  run(...argv: string[]): Promise<ReportCliRun>;
}

const FAKE_ENV = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_EC2_METADATA_DISABLED: 'true' };

/** Start moto and the proxy before the file's tests, stop them after; the returned object is usable inside tests. */
export function useReportCli(region: string): ReportCli {
  const savedEnv = { ...process.env };
  const state: { moto?: MotoServer; proxy?: PagingProxy; ecr?: ECRClient } = {};
  beforeAll(async () => {
    Object.assign(process.env, FAKE_ENV);
    delete process.env.AWS_PROFILE;
    state.moto = await startMoto(region);
    state.proxy = await startPagingProxy(state.moto.endpoint);
    state.ecr = new ECRClient(state.moto.clientConfig);
  }, 60_000);
  afterAll(async () => {
    process.env = savedEnv;
    state.ecr?.destroy();
    await state.proxy?.close();
    await state.moto?.stop();
  });
  return {
    get moto() { return state.moto!; },
    get proxy() { return state.proxy!; },
    get ecr() { return state.ecr!; },
    async run(...argv: string[]) {
      let stdout = '';
      let stderr = '';
      const code = await main(['report', ...argv], { stdout: t => { stdout += t; }, stderr: t => { stderr += t; }, env: { ...FAKE_ENV } });
      return { code, stdout, stderr };
    },
  };
}
