/**
 * JSON text as Go's encoding/json MarshalIndent writes it, so files we write equal geth's byte
 * for byte: the given key order, `<`, `>`, `&`, U+2028 and U+2029 escaped as \u00XX, empty
 * arrays as `[]`, and bigints as plain numbers.
 */

/** A value to write: objects keep their key order. */
export type GoJsonValue = string | number | bigint | boolean | null | readonly GoJsonValue[] | { readonly [k: string]: GoJsonValue };

/** Go's json.MarshalIndent(value, "", indent). */
export function goJsonIndent(value: GoJsonValue, indent: string, depth = 0): string {
  if (typeof value === 'string') return goJsonString(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  const pad = indent.repeat(depth + 1);
  const end = indent.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => pad + goJsonIndent(v, indent, depth + 1)).join(',\n')}\n${end}]`;
  }
  const entries = Object.entries(value as Record<string, GoJsonValue>);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${pad}${goJsonString(k)}: ${goJsonIndent(v, indent, depth + 1)}`).join(',\n')}\n${end}}`;
}

/** A JSON string with Go's HTML-safe escapes. */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
