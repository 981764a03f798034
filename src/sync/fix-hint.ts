import type { ParkedReferral } from '../ports/state.ts';

/*
 * What an operator does about a parked referral, by the stage that parked it. Shown on the
 * referral's page next to the field and value at fault. The first row that matches wins.
 */
interface HintRule {
  matches(p: Pick<ParkedReferral, 'stage' | 'field' | 'reason'>): boolean;
  hint: string;
}

const RULES: readonly HintRule[] = [
  {
    // job-guard.ts: the worker process died while running this referral, again and again.
    matches: (p) => /worker running it died/.test(p.reason),
    hint:
      'The worker died each time it ran this referral (out of memory, or killed). Check the worker log and its memory ' +
      'limit around the parked time, then Replay.',
  },
  {
    matches: (p) => p.stage === 'validate',
    hint:
      'Partner Center sends this referral with a value our schema refuses (the field above). Have it corrected in ' +
      'Partner Center (or ask Microsoft support when their data is wrong), then Replay: a replay reads it afresh. ' +
      'Dismiss it if no opportunity is wanted for it.',
  },
  {
    matches: (p) => p.stage === 'map',
    hint:
      'The mapping file cannot map this referral (the field above). Fix that rule in the mapping file, or give it a ' +
      'default, restart the worker, then Replay.',
  },
  {
    matches: (p) => p.stage === 'crm' && /gave up after/.test(p.reason),
    hint:
      'Every attempt failed with a temporary error (the reason shows the last one). Once the CRM answers again ' +
      '(credentials, limits, outage), Replay.',
  },
  {
    matches: (p) => p.stage === 'crm',
    hint:
      'The CRM refused the write (a required field, a validation rule, a permission: see the reason). Fix the rule or ' +
      'the mapping for the field named, then Replay.',
  },
  {
    matches: (p) => p.stage === 'crm-read',
    hint: 'The opportunity holds a value we cannot read. Fix it in the CRM; it is read again when it changes.',
  },
  {
    matches: (p) => p.stage === 'push',
    hint:
      "Partner Center did not take the seller's answer (see the reason). Check the Partner Center connection and the " +
      'referral there, then Replay.',
  },
];

const FALLBACK = 'Read the reason, fix its cause, then Replay; Dismiss it if it needs no fix.';

/** One sentence or two for the parked referral's page. */
export function fixHint(p: Pick<ParkedReferral, 'stage' | 'field' | 'reason'>): string {
  return RULES.find((r) => r.matches(p))?.hint ?? FALLBACK;
}
