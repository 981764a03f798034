import { ValidationError } from '../../src/errors.ts';

/**
 * Salesforce rejected a record's data (REQUIRED_FIELD_MISSING, STRING_TOO_LONG, a validation
 * rule...). Carries Salesforce's code, message and field names so the parking lot can show them.
 */
export class SalesforceValidationError extends ValidationError {
  /** Fields Salesforce named, joined (the logger's `field` slot). */
  readonly field: string | undefined;

  constructor(
    message: string,
    readonly errorCode: string,
    readonly fields: readonly string[],
    readonly salesforceMessage: string,
  ) {
    super(message);
    this.field = fields.length > 0 ? fields.join(',') : undefined;
  }
}
