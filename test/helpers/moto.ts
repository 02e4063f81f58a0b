/**
 * Starts moto's server mode (an emulator of the ECR API) on 127.0.0.1 for integration tests.
 *
 * The emulator is installed by `scripts/python-env.sh test` (the `test` task runs it first)
 * into ./.venv. A missing emulator is a test failure, never a skip.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

const VENV_BIN = path.join(__dirname, '..', '..', '.venv', 'bin');

export interface MotoServer {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  readonly port: number;
  /** Credentials and region the SDK clients use against the emulator. */
  readonly clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** Forget every resource (moto's reset API), between tests. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, proc: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  proc.once('exit', () => { exited = true; });
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`moto_server exited before it was ready (exit code ${proc.exitCode})`);
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.status < 500) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms`);
}

/** Start a fresh emulator on a free loopback port. */
export async function startMoto(region = 'us-east-1'): Promise<MotoServer> {
  const bin = path.join(VENV_BIN, 'moto_server');
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} not found: run "bash scripts/python-env.sh test" (the test task does this first)`);
  }
  const port = await freePort();
  const proc = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false' },
  });
  let stderr = '';
  proc.stderr?.on('data', d => { stderr = (stderr + d.toString()).slice(-4000); });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(endpoint, proc, 30_000);
  } catch (e) {
    proc.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${stderr}`);
  }
  return {
    endpoint,
    port,
    clientConfig: {
      endpoint,
      region,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    },
    reset: async () => {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    stop: async () => {
      if (proc.exitCode !== null) {
        return;
      }
      await new Promise<void>(resolve => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}
