import { parseFilter } from './odata-filter.ts';
import { dvError, type FakeReply } from './replies.ts';
import type { DataverseStore, Row } from './store.ts';

/*
 * `GET EntityDefinitions?$filter=EntitySetName eq '…'&$expand=Attributes(…),Keys(…)`: the table
 * definitions `doctor` reads. The fake org is set up as the README says (the default mapping's
 * columns exist, alternate keys on opportunity.new_referralid and account.new_referralsynckey);
 * `FakeMetadataOptions` takes parts away to model a half-done setup.
 */

export interface FakeMetadataOptions {
  /** `entitySet.column` names that do not exist in this org. */
  missing?: string[];
  /** `entitySet.column` names that exist but cannot be written (IsValidForUpdate false). */
  readOnly?: string[];
  /** Entity sets whose alternate keys were never created. */
  withoutKeys?: string[];
}

const COLUMNS: Record<string, string[]> = {
  opportunity: [
    'opportunityid',
    'name',
    'estimatedvalue',
    'estimatedclosedate',
    'description',
    'transactioncurrencyid',
    'isrevenuesystemcalculated',
    'customerid',
    'parentaccountid',
    'statecode',
    'statuscode',
    'stepname',
    'modifiedon',
    'createdon',
    'ownerid',
    'new_referralid',
    'new_referralstatus',
    'new_referralsubstatus',
    'new_referralexpiresat',
    'new_referralexpirylevel',
    'new_referrallink',
    'new_referralcategory',
    'new_referraldecision',
    'new_referraldeclinereason',
    'new_referralsyncmessage',
    // Sharing with Microsoft (issue 16; the mapping's dynamics.outbound.share).
    'new_syncwithpartnercenter',
    'new_howcanmicrosofthelp',
    'new_partnercentersolutions',
    'parentcontactid',
    'originatingleadid',
  ],
  lead: [
    'leadid',
    'subject',
    'companyname',
    'firstname',
    'lastname',
    'emailaddress1',
    'telephone1',
    'address1_country',
    'description',
    'statecode',
    'statuscode',
    'modifiedon',
    'createdon',
    'ownerid',
    'new_referralid',
    'new_referralstatus',
    'new_referralsubstatus',
    'new_referralexpiresat',
    'new_referralexpirylevel',
    'new_referrallink',
    'new_referralcategory',
    'new_referralsyncmessage',
  ],
  contact: ['contactid', 'firstname', 'lastname', 'emailaddress1', 'telephone1', 'modifiedon', 'createdon'],
  account: [
    'accountid',
    'name',
    'address1_postalcode',
    'address1_city',
    'address1_country',
    'new_referralsynckey',
    'modifiedon',
    'createdon',
  ],
};
const READ_ONLY = new Set([
  'opportunityid',
  'accountid',
  'contactid',
  'leadid',
  'statecode',
  'modifiedon',
  'createdon',
  'originatingleadid',
]);

export function handleEntityDefinitions(store: DataverseStore, url: URL, o: FakeMetadataOptions): FakeReply {
  const filter = url.searchParams.get('$filter');
  if (!filter) return dvError(400, '0x80060888', 'The fake answers EntityDefinitions queries with a $filter only.');
  const predicate = parseFilter(filter);
  const missing = new Set(o.missing ?? []);
  const readOnly = new Set(o.readOnly ?? []);
  const value: Row[] = [];
  for (const [set, def] of Object.entries(store.defs)) {
    const entity: Row = { LogicalName: def.logical, EntitySetName: set };
    if (!predicate(entity)) continue;
    const columns = (COLUMNS[def.logical] ?? [def.pk]).filter((c) => !missing.has(`${set}.${c}`));
    entity.Attributes = columns.map((c) => {
      const writable = !READ_ONLY.has(c) && !readOnly.has(`${set}.${c}`);
      return { LogicalName: c, IsValidForCreate: writable, IsValidForUpdate: writable };
    });
    entity.Keys = (o.withoutKeys ?? []).includes(set)
      ? []
      : def.keys
          .filter((k) => columns.includes(k))
          .map((k) => ({ LogicalName: `${k}_key`, KeyAttributes: [k], EntityKeyIndexStatus: 'Active' }));
    value.push(entity);
  }
  return { status: 200, body: { value } };
}
