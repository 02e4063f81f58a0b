/**
 * Registry credentials from a Docker config file: `auths` entries with an `auth` field
 * (base64 `user:password`) in `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
 * Credential helpers and stores are not run.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ImageCopyError, printable } from './errors';
import { RegistryCredentials } from './registry';
import { readBoundedText } from '../private/files';
import { parseJson } from '../private/json';

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

/** The `auths` of a Docker config file, read once. */
export interface DockerConfig {
  /** The file read. */
  readonly file: string;
  /** Its `auths` object (empty when it has none). */
  readonly auths: Readonly<Record<string, unknown>>;
}

/**
 * Read the Docker config file of this environment, or undefined when there is none. A file that
 * cannot be read within the rules (not a regular file, over `MAX_DOCKER_CONFIG_BYTES`, not JSON,
 * nested deeper than `MAX_JSON_DEPTH`) is an `input` ImageCopyError naming the file and the rule,
 * never quoting its bytes (they are credentials).
 */
export function readDockerConfig(env: Record<string, string | undefined>): DockerConfig | undefined {
  const file = dockerConfigPath(env);
  try {
    fs.lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code === 'ENOENT' || (e as NodeJS.ErrnoException)?.code === 'ENOTDIR') {
      return undefined;
    }
  }
  let text: string;
  try {
    // A regular file only: a FIFO would block, a device (/dev/zero) never ends.
    text = readBoundedText(file, { maxBytes: MAX_DOCKER_CONFIG_BYTES, label: `Docker config ${file}`, why: 'a config.json of logins is a few KiB' });
  } catch (e) {
    throw new ImageCopyError('input', (e as Error).message);
  }
  let json: unknown;
  try {
    json = parseJson(text, `Docker config ${file}`);
  } catch (e) {
    throw new ImageCopyError('input', (e as Error).message);
  }
  const auths = (json as any)?.auths;
  return { file, auths: auths && typeof auths === 'object' && !Array.isArray(auths) ? auths : {} };
}

/** Credentials for `registry` from a config read by `readDockerConfig` (undefined: none). */
export function credentialsFromConfig(config: DockerConfig | undefined, registry: string): RegistryCredentials | undefined {
  if (config === undefined) {
    return undefined;
  }
  for (const key of keysFor(registry)) {
    const entry = Object.prototype.hasOwnProperty.call(config.auths, key) ? config.auths[key] as any : undefined;
    if (entry && typeof entry.auth === 'string') {
      const text = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = text.indexOf(':');
      if (colon <= 0) {
        // Never echo the entry: it is a credential.
        throw new ImageCopyError('input', `Docker config ${config.file}: the "auth" of auths["${printable(key)}"] is not base64 of user:password`);
      }
      return { username: text.slice(0, colon), password: text.slice(colon + 1) };
    }
  }
  return undefined;
}

/** Credentials for `registry`, or undefined (a missing file is no credentials; a broken one an error naming the file). */
export function credentialsFor(registry: string, env: Record<string, string | undefined>): RegistryCredentials | undefined {
  return credentialsFromConfig(readDockerConfig(env), registry);
}
