import { execFileSync } from 'child_process';
import * as path from 'path';

const SCRIPT = path.join(__dirname, '..', 'event-ruler', 'match.sh');

/**
 * Matches events against EventBridge event patterns with aws/event-ruler (the engine behind
 * EventBridge, from Maven Central), in one JVM run: test/event-ruler/match.sh installs and runs it.
 *
 * @returns for each event name, the names of the patterns it matches, sorted
 */
export function matchWithEventRuler(patterns: Record<string, unknown>, events: Record<string, unknown>): Record<string, string[]> {
  const stdout = execFileSync('bash', [SCRIPT], {
    input: JSON.stringify({ patterns, events }),
    encoding: 'utf8',
    // A cold ~/.m2 downloads event-ruler and the dependency plugin first.
    timeout: 300_000,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return JSON.parse(stdout).matches;
}
