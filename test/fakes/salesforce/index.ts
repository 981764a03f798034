export { startFakeSalesforce } from './fake-salesforce.ts';
export type { FakeCounters, FakeRequest, FakeSalesforce, FakeSalesforceOptions } from './fake-salesforce.ts';
export type { FakeRoute } from './fake-routes.ts';
export type { FakeSubrequest } from './fake-composite.ts';
export { DEFAULT_FIELDS, DEFAULT_STAGES } from './fake-schema.ts';
export type { FieldSpec, FieldType, StageSpec } from './fake-schema.ts';
export type { SfRecord, SfValue } from './fake-table.ts';
