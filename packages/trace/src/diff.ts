/**
 * Structural differences between two plain-JSON states, addressed by RFC 6901 JSON Pointers, so a
 * replay can say exactly what one step (or a span of steps) changed in the object's state.
 */
import type { JsonValue } from '@liuhen/core';

export interface Change {
  /** JSON Pointer of the changed value ("" is the whole state). */
  readonly path: string;
  readonly op: 'add' | 'remove' | 'replace';
  readonly before?: JsonValue;
  readonly after?: JsonValue;
}

const pointerToken = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

const isObject = (v: JsonValue | undefined): v is { [key: string]: JsonValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function walk(path: string, a: JsonValue | undefined, b: JsonValue | undefined, out: Change[]): void {
  if (a === b) return;
  if (a === undefined) {
    out.push({ path, op: 'add', after: b as JsonValue });
    return;
  }
  if (b === undefined) {
    out.push({ path, op: 'remove', before: a });
    return;
  }
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) walk(`${path}/${pointerToken(key)}`, a[key], b[key], out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) walk(`${path}/${i}`, a[i], b[i], out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, op: 'replace', before: a, after: b });
}

export function diffStates(before: JsonValue, after: JsonValue): Change[] {
  const out: Change[] = [];
  walk('', before, after, out);
  return out;
}
