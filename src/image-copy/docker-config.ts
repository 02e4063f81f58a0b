/**
 * Registry credentials from a Docker config file: `auths` entries with an `auth` field
 * (base64 `user:password`) in `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
 * Credential helpers and stores are not run.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ImageCopyError } from './errors';
import { RegistryCredentials } from './registry';

/** Largest config file read. */
export const MAX_DOCKER_CONFIG_BYTES = 1024 * 1024;

/** The config file's path for this environment. */
export function dockerConfigPath(env: Record<string, string | undefined>): string {
  const dir = env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

/** Keys an `auths` entry for `registry` may have. */
function keysFor(registry: string): string[] {
  if (registry === 'docker.io') {
    return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io', 'https://registry-1.docker.io'];
  }
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}

/** Credentials for `registry`, or undefined (a missing file is no credentials; a broken one an error naming the file). */
export function credentialsFor(registry: string, env: Record<string, string | undefined>): RegistryCredentials | undefined {
  const file = dockerConfigPath(env);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  if (!stat.isFile() || stat.size > MAX_DOCKER_CONFIG_BYTES) {
    throw new ImageCopyError('input', `Docker config ${file} is not a file of at most ${MAX_DOCKER_CONFIG_BYTES} bytes`);
  }
  let json: any;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    throw new ImageCopyError('input', `Docker config ${file} is not JSON`);
  }
  const auths = json?.auths;
  if (!auths || typeof auths !== 'object') {
    return undefined;
  }
  for (const key of keysFor(registry)) {
    const entry = auths[key];
    if (entry && typeof entry.auth === 'string') {
      const text = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = text.indexOf(':');
      if (colon <= 0) {
        // Never echo the entry: it is a credential.
        throw new ImageCopyError('input', `Docker config ${file}: the "auth" of auths["${key}"] is not base64 of user:password`);
      }
      return { username: text.slice(0, colon), password: text.slice(colon + 1) };
    }
  }
  return undefined;
}
