import { closest } from './suggest.ts';
import { z } from 'zod';
import { Referral } from '../domain/referral.ts';

/*
 * Which dotted paths a mapping file may read from a referral. Derived from the Referral schema
 * so the two cannot drift: a path is known when every segment names a field of that schema.
 * An object the schema leaves open (no known fields: `consent`, `links`,
 * `customerProfile.ids`, `details.requirements`) accepts any sub-path, because Microsoft
 * documents fields inside them that our schema does not list. Array items are read with a
 * numeric segment: `customerProfile.team.0.email`.
 */

/** Fields computed from the referral rather than read from it (see derived.ts). */
const DERIVED_FIELDS = ['category', 'link', 'deadline'] as const;
export type DerivedField = (typeof DERIVED_FIELDS)[number];

/**
 * Documented (docs/partner-center-referrals-api.md, "The referral resource") but not (yet) in the Referral schema;
 * kept by its loose objects.
 */
const DOCUMENTED_EXTRA_PATHS = ['organizationName', 'partnerRole', 'solutionArea', 'solutionPlay'];

export type PathCheck = { ok: true } | { ok: false; reason: string };

const unwrap = (node: z.ZodType): z.ZodType => {
  let current = node;
  while (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
  return current;
};

const isOpenObject = (node: z.ZodType): boolean => node instanceof z.ZodObject && Object.keys(node.shape).length === 0;

export const isDerivedField = (path: string): path is DerivedField =>
  (DERIVED_FIELDS as readonly string[]).includes(path);

let knownPathsCache: string[] | undefined;

/** Every readable leaf path (array items as index 0), for suggestions and editor completion. */
export function knownReferralPaths(): string[] {
  knownPathsCache ??= listKnownPaths();
  return [...knownPathsCache];
}

function listKnownPaths(): string[] {
  const out: string[] = [];
  const walk = (node: z.ZodType, prefix: string): void => {
    const inner = unwrap(node);
    if (inner instanceof z.ZodObject && !isOpenObject(inner)) {
      for (const [key, child] of Object.entries(inner.shape))
        walk(child as z.ZodType, prefix ? `${prefix}.${key}` : key);
    } else if (inner instanceof z.ZodArray) {
      walk(inner.element as z.ZodType, `${prefix}.0`);
    } else {
      out.push(prefix);
    }
  };
  walk(Referral, '');
  return [...out, ...DOCUMENTED_EXTRA_PATHS, ...DERIVED_FIELDS];
}

/** Checks a dotted path against the Referral schema; the reason is ready to follow a rule path. */
export function checkReferralPath(path: string): PathCheck {
  if (isDerivedField(path) || DOCUMENTED_EXTRA_PATHS.includes(path)) return { ok: true };
  const segments = path.split('.');
  if (segments.some((s) => s === '')) return { ok: false, reason: `"${path}" is not a dotted path` };
  let node: z.ZodType = Referral;
  for (const segment of segments) {
    const inner = unwrap(node);
    if (isOpenObject(inner)) return { ok: true };
    const child = childOf(inner, segment);
    if (child === undefined) return { ok: false, reason: unknownPathReason(path) };
    node = child;
  }
  const leaf = unwrap(node);
  if (leaf instanceof z.ZodArray) return { ok: false, reason: `"${path}" is a list; pick one item, e.g. "${path}.0"` };
  if (leaf instanceof z.ZodObject && !isOpenObject(leaf)) {
    return { ok: false, reason: `"${path}" is an object; pick one of its fields` };
  }
  return { ok: true };
}

function childOf(node: z.ZodType, segment: string): z.ZodType | undefined {
  if (node instanceof z.ZodObject)
    return Object.hasOwn(node.shape, segment) ? (node.shape[segment] as z.ZodType) : undefined;
  if (node instanceof z.ZodArray && /^\d+$/.test(segment)) return node.element as z.ZodType;
  return undefined;
}

function unknownPathReason(path: string): string {
  const wanted = path.toLowerCase().replace(/\.\d+(?=\.|$)/g, '.0');
  const known = knownReferralPaths();
  // Same path in another case first; else the closest typo (#15: customerProfile.sise -> size).
  const near = known.find((k) => k.toLowerCase() === wanted) ?? closest(wanted, known);
  return `unknown referral field "${path}"${near ? ` (did you mean "${near}"?)` : ''}`;
}

/**
 * Reads a dotted path from a referral (no derived fields). Missing intermediate objects and
 * out-of-range indexes read as undefined; the caller decides what a missing value means.
 */
export function readReferralPath(referral: Referral, path: string): unknown {
  let current: unknown = referral;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      current = /^\d+$/.test(segment) ? current[Number(segment)] : undefined;
    } else {
      current = Object.hasOwn(current, segment) ? (current as Record<string, unknown>)[segment] : undefined;
    }
  }
  return current;
}
