import { describe, expect, it } from 'vitest';
import {
  AuthError,
  FatalError,
  NotFoundError,
  RateLimitedError,
  RetryableError,
  ValidationError,
} from '../../src/errors.ts';
import { classifyRecordError, isRecordLevelCode, REQUEST_LIMIT_RETRY_MS } from './classify-salesforce-error.ts';
import { SalesforceValidationError } from './salesforce-validation-error.ts';

type Ctor = abstract new (...args: never[]) => Error;

describe('classifyRecordError', () => {
  const table: [string, Record<string, unknown>, Ctor][] = [
    [
      'row lock (statusCode)',
      { statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access' },
      RetryableError,
    ],
    ['row lock (errorCode)', { errorCode: 'UNABLE_TO_LOCK_ROW', message: 'x' }, RetryableError],
    ['server unavailable', { statusCode: 'SERVER_UNAVAILABLE' }, RetryableError],
    [
      'duplicate value race',
      { statusCode: 'DUPLICATE_VALUE', message: 'duplicate value found', fields: ['Referral_Id__c'] },
      RetryableError,
    ],
    [
      'request limit',
      { statusCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' },
      RateLimitedError,
    ],
    [
      'required field',
      {
        statusCode: 'REQUIRED_FIELD_MISSING',
        message: 'Required fields are missing: [CloseDate]',
        fields: ['CloseDate'],
      },
      SalesforceValidationError,
    ],
    ['invalid field', { statusCode: 'INVALID_FIELD', message: "No such column 'Foo__c'" }, ValidationError],
    ['invalid field for insert', { statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['IsWon'] }, ValidationError],
    ['invalid type', { statusCode: 'INVALID_TYPE' }, ValidationError],
    ['invalid type on field', { statusCode: 'INVALID_TYPE_ON_FIELD_IN_RECORD' }, ValidationError],
    [
      'validation rule',
      { statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Amount must be positive' },
      ValidationError,
    ],
    [
      'restricted picklist',
      { statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: ['StageName'] },
      ValidationError,
    ],
    ['string too long', { statusCode: 'STRING_TOO_LONG', fields: ['Name'] }, ValidationError],
    ['bad cross reference', { statusCode: 'INVALID_CROSS_REFERENCE_KEY', fields: ['AccountId'] }, ValidationError],
    ['no access to the account', { statusCode: 'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY' }, AuthError],
    ['deleted', { statusCode: 'ENTITY_IS_DELETED' }, NotFoundError],
    ['unknown code', { statusCode: 'SOMETHING_NEW', message: 'surprise' }, FatalError],
    ['no code at all', { message: 'odd' }, FatalError],
    ['numeric statusCode is not a code', { statusCode: 400, message: 'odd' }, FatalError],
  ];

  it.each(table)('%s', (_name, item, expected) => {
    const err = classifyRecordError(item, { object: 'Opportunity', referralId: 'R-1' });
    expect(err).toBeInstanceOf(expected);
    if (expected === FatalError) {
      expect(err).not.toBeInstanceOf(ValidationError);
      expect(err).not.toBeInstanceOf(RetryableError);
    }
    expect(err.message).toContain('referral R-1');
  });

  it("keeps Salesforce's code, message and fields on validation errors", () => {
    const err = classifyRecordError({
      statusCode: 'REQUIRED_FIELD_MISSING',
      message: 'Required fields are missing: [CloseDate]',
      fields: ['CloseDate'],
    });
    expect(err).toBeInstanceOf(SalesforceValidationError);
    const v = err as SalesforceValidationError;
    expect(v.errorCode).toBe('REQUIRED_FIELD_MISSING');
    expect(v.fields).toEqual(['CloseDate']);
    expect(v.salesforceMessage).toBe('Required fields are missing: [CloseDate]');
    expect(v.message).toContain('Required fields are missing: [CloseDate]');
  });

  it('prefers errorCode when both are present', () => {
    expect(classifyRecordError({ errorCode: 'UNABLE_TO_LOCK_ROW', statusCode: 'SOMETHING_ELSE' })).toBeInstanceOf(
      RetryableError,
    );
  });

  it('asks for a long wait on REQUEST_LIMIT_EXCEEDED', () => {
    const err = classifyRecordError({ statusCode: 'REQUEST_LIMIT_EXCEEDED' }) as RateLimitedError;
    expect(err.retryAfterMs).toBe(REQUEST_LIMIT_RETRY_MS);
    expect(REQUEST_LIMIT_RETRY_MS).toBeGreaterThanOrEqual(60_000);
  });

  it('scrubs credentials out of echoed messages', () => {
    const err = classifyRecordError({ statusCode: 'INVALID_FIELD', message: 'header was Bearer abc.def.ghi' });
    expect(err.message).not.toContain('abc.def.ghi');
  });
});

describe('isRecordLevelCode', () => {
  it.each([
    ['UNABLE_TO_LOCK_ROW', true],
    ['REQUIRED_FIELD_MISSING', true],
    ['DUPLICATE_VALUE', true],
    ['SERVER_UNAVAILABLE', false],
    ['REQUEST_LIMIT_EXCEEDED', false],
    ['INVALID_SESSION_ID', false],
    ['ERROR_HTTP_502', false],
    [undefined, false],
  ])('%s -> %s', (code, expected) => {
    expect(isRecordLevelCode(code)).toBe(expected);
  });
});

describe('echoed customer values (#14)', () => {
  it.each([
    [
      'STRING_TOO_LONG',
      'Name: data value too large: Contoso Secret Deal (max length=120)',
      'Name: data value too large: [value hidden] (max length=120)',
    ],
    [
      'STRING_TOO_LONG',
      'Name: data value too large: x (max length=1) Contoso Secret Deal (max length=120)',
      'Name: data value too large: [value hidden] (max length=120)',
    ],
    [
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      'Industry: bad value for restricted picklist field: Contoso Secret Deal',
      'Industry: bad value for restricted picklist field: [value hidden]',
    ],
  ])('%s: keeps the field and the limit, not the value', (code, message, shown) => {
    const err = classifyRecordError({ statusCode: code, message, fields: ['Name'] });
    expect(err.message).not.toContain('Contoso Secret Deal');
    expect(err.message).toContain(shown);
  });
});
