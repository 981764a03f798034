import { z } from 'zod';
import type { Referral } from '../domain/referral.ts';
import type { CrmKind } from '../ports/crm.ts';
import { conditionHolds } from './contact-me.ts';
import { Condition } from './expiry-settings.ts';

const Crm = z.enum(['salesforce', 'dynamics']);

const RoutingRule = z
  .strictObject({
    crm: Crm,
    match: z
      .enum(['any', 'all'])
      .default('all')
      .meta({ description: 'all: every condition must hold; any: one is enough.' }),
    when: z.array(Condition).min(1),
  })
  .meta({ description: 'Referrals matching `when` go to `crm`.' });

export const Routing = z
  .strictObject({
    default: Crm.meta({ description: 'CRM for referrals no rule matches.' }),
    rules: z.array(RoutingRule).default([]).meta({ description: 'Checked in order; the first match wins.' }),
  })
  .meta({
    title: 'Routing',
    description: 'With CRM=both: which CRM each referral goes to (e.g. by country or category).',
  });
export type Routing = z.infer<typeof Routing>;

/** Pure: the CRM a referral goes to under the routing rules (first matching rule, else default). */
export function routeReferral(routing: Routing, referral: Referral, linkTemplate: string): CrmKind {
  for (const rule of routing.rules) {
    const holds = (c: Condition) => conditionHolds(c, referral, linkTemplate);
    if (rule.match === 'any' ? rule.when.some(holds) : rule.when.every(holds)) return rule.crm;
  }
  return routing.default;
}
