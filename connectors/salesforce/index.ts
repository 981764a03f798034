export { createSalesforceConnector } from './salesforce.connector.ts';
export type { SalesforceConnector, SalesforceSettings } from './salesforce.connector.ts';
export { parseSalesforceOptions, SalesforceOptions } from './salesforce-options.ts';
export type { SalesforceAuth, SalesforceOptionsInput } from './salesforce-options.ts';
export { checkSalesforce, checkField } from './check-salesforce.ts';
export type {
  CheckItem,
  CheckTarget,
  FieldRequirement,
  SalesforceCheckReport,
  SObjectDescribe,
} from './check-salesforce.ts';
export { SalesforceValidationError } from './salesforce-validation-error.ts';
export { classifyRecordError, REQUEST_LIMIT_RETRY_MS } from './classify-salesforce-error.ts';
export { soqlLiteral, soqlString } from './soql.ts';
export type { SignedIn } from './sign-in.ts';
export type { SfRow } from './sobject-writes.ts';
