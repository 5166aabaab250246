/** Plain-object check for untrusted JSON: arrays and null are not records. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One beta field and the GA path its value lives at, with optional value
 * conversions. A single table drives both directions, so they cannot drift.
 */
export interface FieldRule {
  readonly beta: string;
  readonly ga: readonly [string, ...string[]];
  readonly toGA?: (value: unknown) => unknown;
  readonly toBeta?: (value: unknown) => unknown;
}

const same = (value: unknown): unknown => value;

/** Moves each present beta field to its GA path; every other field is kept as is. */
export function moveToGA(src: Record<string, unknown>, rules: readonly FieldRule[]): Record<string, unknown> {
  let out: Record<string, unknown> = { ...src };
  for (const rule of rules) {
    if (!Object.hasOwn(src, rule.beta)) continue;
    delete out[rule.beta];
    out = setPath(out, rule.ga, (rule.toGA ?? same)(src[rule.beta]));
  }
  return out;
}

/** Moves each present GA path to its beta field, pruning emptied containers; every other field is kept. */
export function moveToBeta(src: Record<string, unknown>, rules: readonly FieldRule[]): Record<string, unknown> {
  let out: Record<string, unknown> = { ...src };
  for (const rule of rules) {
    const found = getPath(src, rule.ga);
    if (!found) continue;
    out = deletePath(out, rule.ga);
    out[rule.beta] = (rule.toBeta ?? same)(found.value);
  }
  return out;
}

/** Removes fields GA has no place for, naming each in `warnings` so the caller can log it. */
export function dropFields(
  src: Record<string, unknown>,
  names: readonly string[],
  where: string,
  warnings: string[],
): Record<string, unknown> {
  const out = { ...src };
  for (const name of names) {
    if (!Object.hasOwn(out, name)) continue;
    delete out[name];
    warnings.push(`${where}.${name} has no GA equivalent and was ignored`);
  }
  return out;
}

type Path = readonly [string, ...string[]];

function getPath(obj: Record<string, unknown>, [head, ...rest]: Path): { value: unknown } | undefined {
  if (!Object.hasOwn(obj, head)) return undefined;
  const value = obj[head];
  if (!isNonEmpty(rest)) return { value };
  return isRecord(value) ? getPath(value, rest) : undefined;
}

// Copies containers along the path instead of mutating them: inputs belong to the caller.
function setPath(obj: Record<string, unknown>, [head, ...rest]: Path, value: unknown): Record<string, unknown> {
  if (!isNonEmpty(rest)) return { ...obj, [head]: value };
  const child = obj[head];
  return { ...obj, [head]: setPath(isRecord(child) ? child : {}, rest, value) };
}

function deletePath(obj: Record<string, unknown>, [head, ...rest]: Path): Record<string, unknown> {
  const { [head]: child, ...others } = obj;
  if (!isNonEmpty(rest)) return others;
  if (!isRecord(child)) return obj;
  const pruned = deletePath(child, rest);
  return Object.keys(pruned).length === 0 ? others : { ...others, [head]: pruned };
}

function isNonEmpty(path: readonly string[]): path is Path {
  return path.length > 0;
}
