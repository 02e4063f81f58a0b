/**
 * Text from outside (a registry's answers, template properties, a file's contents) made safe for a
 * terminal, a log line and a CloudFormation Reason: control characters cannot move the cursor,
 * recolour the screen, start a new log line or reorder what is shown.
 *
 * Escaped: C0 controls and DEL (`\n`, `\r`, `\t` by name, the others as `\xNN`; ESC is `\x1b`), C1
 * controls U+0080-U+009F (`\x9b` is a one-byte CSI on some terminals), and the characters that
 * reorder or split text without being seen (bidirectional overrides and isolates, U+2028/U+2029),
 * as `\u{NNNN}`. Backslashes are left as they are: the result is for reading, not for parsing
 * (JSON output stays exact).
 *
 * Leaf module: imports nothing.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) {
    return named;
  }
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16).padStart(4, '0')}}`;
}

/** Options of `escapeTerminal`. */
export interface EscapeOptions {
  /**
   * Keep line feeds (a multi-line message of our own, like a usage text); everything else is still escaped.
   * @default false
   */
  readonly keepNewlines?: boolean;
}

/** `text` with every control character escaped (see the module comment). */
export function escapeTerminal(text: string, options: EscapeOptions = {}): string {
  const s = typeof text === 'string' ? text : String(text);
  return s.replace(options.keepNewlines ? UNSAFE_BUT_NEWLINE : UNSAFE, escapeOne);
}

/** Whether `text` holds a character `escapeTerminal` would escape. */
export function hasControlCharacters(text: string): boolean {
  return new RegExp(UNSAFE.source).test(text);
}

/** Longest log line the library writes (CloudWatch Logs takes 256 KiB per event; a person reads far less). */
export const MAX_LOG_LINE_CHARS = 8_192;

/**
 * `text` cut to at most `max` characters, saying how much was left out:
 * `... (12,345 more characters)`. Shorter text is returned as it is.
 */
export function boundLine(text: string, max: number = MAX_LOG_LINE_CHARS): string {
  if (text.length <= max) {
    return text;
  }
  const more = (n: number) => ` ... (${n.toLocaleString('en-US')} more characters)`;
  const keep = Math.max(0, max - more(text.length).length);
  return `${text.slice(0, keep)}${more(text.length - keep)}`;
}

/** One line for a log: escaped (no line break can be forged) and bounded. */
export function logLine(text: string, max: number = MAX_LOG_LINE_CHARS): string {
  return boundLine(escapeTerminal(text), max);
}
