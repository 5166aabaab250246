import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { z } from 'zod';

/*
 * Argument validation with messages a model can correct itself from: each issue names the
 * argument (`date`, `items.0.sku`) and says what is wrong.
 */

export interface ArgumentIssue {
  /** Dotted path of the argument; '' for the arguments object itself. */
  path: string;
  message: string;
}

export type Validation = { ok: true; value: Record<string, unknown> } | { ok: false; issues: ArgumentIssue[] };

export type ArgumentValidator = (args: Record<string, unknown>) => Validation;

// zod's default for a missing field ("expected string, received undefined") hides that it is missing.
const missingIsRequired = (iss: { code?: string; input?: unknown; expected?: unknown }): string | undefined =>
  iss.code === 'invalid_type' && iss.input === undefined ? `required (${String(iss.expected)})` : undefined;

export function zodValidator(schema: z.ZodType): ArgumentValidator {
  return (args) => {
    const r = schema.safeParse(args, { error: missingIsRequired });
    if (r.success) return { ok: true, value: r.data as Record<string, unknown> };
    const issues = r.error.issues.flatMap((iss): ArgumentIssue[] => {
      const path = iss.path.map(String).join('.');
      if (iss.code === 'unrecognized_keys') return iss.keys.map((k) => ({ path: path ? `${path}.${k}` : k, message: 'is not a parameter of this tool' }));
      return [{ path, message: iss.message }];
    });
    return { ok: false, issues };
  };
}

/** One Ajv per registry: schemas compile once, at load, and a broken schema fails the load. */
export function createAjv(): Ajv {
  // strict: false — agent authors' schemas may carry annotations Ajv does not know ("examples", vendor keys).
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv;
}

function ajvIssue(e: ErrorObject): ArgumentIssue {
  const base = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const at = (key: string) => [...base, key].join('.');
  if (e.keyword === 'required') return { path: at(String(e.params.missingProperty)), message: 'required' };
  if (e.keyword === 'additionalProperties') return { path: at(String(e.params.additionalProperty)), message: 'is not a parameter of this tool' };
  return { path: base.join('.'), message: e.message ?? `fails "${e.keyword}"` };
}

/** Compiles `schema` now; throws Ajv's error when the schema itself is invalid. */
export function jsonSchemaValidator(ajv: Ajv, schema: Record<string, unknown>): ArgumentValidator {
  const check = ajv.compile(schema);
  return (args) => (check(args) ? { ok: true, value: args } : { ok: false, issues: (check.errors ?? []).map(ajvIssue) });
}

/** "date: a date as YYYY-MM-DD; time: required" */
export const describeIssues = (issues: readonly ArgumentIssue[]): string => issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
