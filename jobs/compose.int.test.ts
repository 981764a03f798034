import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../src/config/env.ts';
import type { DynamicsConnector } from '../connectors/dynamics/index.ts';
import type { SalesforceConnector } from '../connectors/salesforce/index.ts';
import { buildAdapters } from './compose.ts';

/*
 * The names an admin sets in the mapping file reach the connectors (README: "names are
 * configurable in the mapping file"): key fields, expiry fields and stage columns.
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let dir = '';
let redis: Redis;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rs-compose-'));
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await redis.quit();
  await rm(dir, { recursive: true, force: true });
});

async function mappingWith(edit: (m: Record<string, Record<string, unknown>>) => void): Promise<string> {
  const m = parse(await readFile('config/mapping.default.yaml', 'utf8')) as Record<string, Record<string, unknown>>;
  edit(m);
  m.routing = {
    rules: [{ crm: 'salesforce', when: [{ path: 'customerProfile.address.country', equals: 'US' }] }],
    default: 'dynamics',
  };
  const file = join(dir, `mapping-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(m));
  return file;
}

function envFor(mappingFile: string) {
  const r = parseEnv({
    CRM: 'both',
    MAPPING_FILE: mappingFile,
    REDIS_URL,
    REDIS_PREFIX: 'rs-compose-test',
    PARTNER_CENTER_CLIENT_ID: 'app-id',
    TOKEN_CACHE_KEY: Buffer.alloc(32, 7).toString('base64'),
    SALESFORCE_AUTH: 'client_credentials',
    SALESFORCE_CLIENT_ID: 'sf-id',
    SALESFORCE_CLIENT_SECRET: 'sf-secret',
    SALESFORCE_INSTANCE_URL: 'https://contoso.my.salesforce.example',
    DYNAMICS_URL: 'https://contoso.crm4.dynamics.example',
    DYNAMICS_TENANT_ID: 'contoso.example',
    DYNAMICS_CLIENT_ID: 'dv-id',
    DYNAMICS_CLIENT_SECRET: 'dv-secret',
  });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.env;
}

describe('mapping file names reach the connectors', () => {
  it('uses the defaults when the mapping names nothing', async () => {
    const adapters = await buildAdapters(envFor(await mappingWith(() => undefined)), pino({ level: 'silent' }), redis);
    const [sf, dv] = adapters.crms.map((c) => c.connector) as [SalesforceConnector, DynamicsConnector];
    expect(sf.settings).toMatchObject({
      accountKeyField: 'Referral_Sync_Key__c',
      taskKeyField: 'Referral_Sync_Key__c',
      expiryFields: { expiresAt: 'Referral_Expires_At__c', level: 'Referral_Expiry_Level__c' },
    });
    expect(dv.settings).toMatchObject({
      account: { keyColumn: 'new_referralsynckey' },
      expiryColumns: { expiresAt: 'new_referralexpiresat' },
      stageColumns: { read: 'stepname', write: null },
    });
  });

  it('passes the key fields, expiry fields and stage columns the admin set', async () => {
    const file = await mappingWith((m) => {
      Object.assign(m.salesforce ?? {}, {
        keyFields: { account: 'RS_Key__c', task: 'RS_Task_Key__c' },
        expiryFields: { expiresAt: 'MS_Deadline__c', level: 'MS_Warned__c' },
      });
      Object.assign(m.dynamics ?? {}, {
        accountKeyColumn: 'cr1_matchkey',
        expiryColumns: { expiresAt: 'cr1_deadline', level: 'cr1_warned' },
        stageColumns: { read: 'cr1_stage', write: 'cr1_stage' },
      });
    });
    const adapters = await buildAdapters(envFor(file), pino({ level: 'silent' }), redis);
    const [sf, dv] = adapters.crms.map((c) => c.connector) as [SalesforceConnector, DynamicsConnector];
    expect(sf.settings).toMatchObject({
      accountKeyField: 'RS_Key__c',
      taskKeyField: 'RS_Task_Key__c',
      expiryFields: { expiresAt: 'MS_Deadline__c', level: 'MS_Warned__c' },
    });
    expect(dv.settings).toMatchObject({
      account: { keyColumn: 'cr1_matchkey' },
      expiryColumns: { expiresAt: 'cr1_deadline', level: 'cr1_warned' },
      stageColumns: { read: 'cr1_stage', write: 'cr1_stage' },
    });
  });
});
