import { z } from 'zod';

/*
 * Turns zod issues into operator-readable lines: `limits.maxDurationS: Too big…`. Unions are
 * resolved to the branch that matches the value's shape (zod reports every branch), and an
 * unknown key lists the keys allowed at that place.
 */

export interface FieldProblem {
  /** Dotted field path, '' for the whole file. */
  path: string;
  message: string;
}

type Path = readonly PropertyKey[];

export function describeIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, data: unknown): FieldProblem[] {
  return issues.flatMap((issue) => describeIssue(issue, [], schema, data));
}

function describeIssue(issue: z.core.$ZodIssue, prefix: Path, schema: z.ZodType, data: unknown): FieldProblem[] {
  const path = [...prefix, ...issue.path];
  const value = valueAt(data, path);
  switch (issue.code) {
    case 'invalid_union': {
      if (issue.errors.length === 0) break;
      const fitting = issue.errors.filter((branch) => !branch.every((i) => mismatchesShape(i, value)));
      if (fitting.length === 1) return (fitting[0] ?? []).flatMap((i) => describeIssue(i, path, schema, data));
      if (fitting.length === 0) return [{ path: dotted(path), message: `expected ${issue.errors.map((b) => expectedOf(b)).join(' or ')}` }];
      break;
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const known = knownKeys(schema, path, data);
        return { path: dotted([...path, key]), message: `unknown field${known ? `; expected one of: ${known.join(', ')}` : ''}` };
      });
    case 'invalid_type':
      if (value === undefined) return [{ path: dotted(path), message: `required field is missing (expected ${issue.expected})` }];
      break;
  }
  return [{ path: dotted(path), message: issue.message }];
}

/** A branch whose only complaint is the kind of the value at the union itself (a string for an object…). */
function mismatchesShape(issue: z.core.$ZodIssue, value: unknown): boolean {
  if (issue.path.length > 0) return false;
  if (issue.code === 'invalid_type') return true;
  return issue.code === 'invalid_value' && !issue.values.some((v) => typeof v === typeof value);
}

function expectedOf(branch: readonly z.core.$ZodIssue[]): string {
  const issue = branch[0];
  if (issue?.code === 'invalid_type') return issue.expected;
  if (issue?.code === 'invalid_value') return issue.values.map((v) => JSON.stringify(v)).join(' | ');
  return 'another value';
}

function dotted(path: Path): string {
  return path.map(String).join('.');
}

function valueAt(data: unknown, path: Path): unknown {
  let node = data;
  for (const k of path) node = typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[k] : undefined;
  return node;
}

/** The keys the schema allows for the object at `path`, following `data` through unions. */
function knownKeys(schema: z.ZodType, path: Path, data: unknown): string[] | undefined {
  let node: z.ZodType | undefined = schema;
  let value = data;
  for (const key of path) {
    const obj = objectAt(node, value);
    node = obj ? obj.shape[String(key)] : arrayElement(node);
    value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    if (!node) return undefined;
  }
  const obj = objectAt(node, value);
  return obj ? Object.keys(obj.shape) : undefined;
}

function arrayElement(schema: z.ZodType | undefined): z.ZodType | undefined {
  const s = unwrap(schema);
  return s instanceof z.ZodArray ? (s.element as z.ZodType) : undefined;
}

function objectAt(schema: z.ZodType | undefined, value: unknown): z.ZodObject | undefined {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) return s;
  if (!(s instanceof z.ZodUnion)) return undefined;
  // The branch whose `type` accepts the value's (discriminated unions), else the first object.
  const type = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).type : undefined;
  const objects = (s.options as z.ZodType[]).map((o) => objectAt(o, value)).filter((o): o is z.ZodObject => o !== undefined);
  return objects.find((o) => type !== undefined && (o.shape.type as z.ZodType | undefined)?.safeParse(type).success) ?? objects[0];
}

/** Looks through optional/default wrappers and preprocess/transform pipes. */
function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault || s instanceof z.ZodPrefault) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = (s.in instanceof z.ZodTransform ? s.out : s.in) as z.ZodType;
    else return s;
  }
}
