import { z } from 'zod';
import type { MappingSaveResult, MappingStore, MappingVersion } from '../../src/ports/mapping-store.ts';
import type { RedisConnection } from './connection.ts';
import { parseStored } from './json.ts';

/*
 * The mapping's versions (issue 17): a hash of id -> version JSON, the id in force, a counter,
 * and the hash of the MAPPING_FILE content last imported. Saves run as one script so a save
 * never overwrites one that landed since the editor loaded its version, and two workers starting
 * with the same changed file import it once. Every key shares the prefix (a hash tag on a
 * Redis Cluster), so the scripts run on one node.
 */

const StoredVersion = z.object({
  id: z.number().int().positive(),
  text: z.string(),
  author: z.string(),
  at: z.string(),
  comment: z.string(),
  basedOn: z.number().int().positive().nullable(),
});

const keys = (prefix: string) => ({
  current: `${prefix}:mapping:current`,
  seq: `${prefix}:mapping:seq`,
  versions: `${prefix}:mapping:versions`,
  fileHash: `${prefix}:mapping:file-hash`,
});

// ARGV: expected current id ('' = none), the version as JSON without id/basedOn. Returns
// {id, basedOn} as written, or {-1, current} when the current id is not the expected one.
const SAVE = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return {-1, current} end
local id = redis.call('INCR', KEYS[2])
local v = cjson.decode(ARGV[2])
v.id = id
if current == '' then v.basedOn = cjson.null else v.basedOn = tonumber(current) end
redis.call('HSET', KEYS[3], tostring(id), cjson.encode(v))
redis.call('SET', KEYS[1], tostring(id))
return {id, current}
`;

// Like SAVE, against whatever is current, when the file's hash (ARGV[1]) is not the last imported.
const IMPORT = `
if redis.call('GET', KEYS[4]) == ARGV[1] then return {0, ''} end
local current = redis.call('GET', KEYS[1]) or ''
local id = redis.call('INCR', KEYS[2])
local v = cjson.decode(ARGV[2])
v.id = id
if current == '' then v.basedOn = cjson.null else v.basedOn = tonumber(current) end
redis.call('HSET', KEYS[3], tostring(id), cjson.encode(v))
redis.call('SET', KEYS[1], tostring(id))
redis.call('SET', KEYS[4], ARGV[1])
return {id, current}
`;

const parseVersion = (raw: string | null): MappingVersion | null => {
  if (raw === null) return null;
  const parsed = StoredVersion.safeParse(parseStored(raw));
  return parsed.success ? parsed.data : null;
};

const basedOnOf = (current: string): number | null => (current === '' ? null : Number(current));

export function createRedisMappingStore(redis: RedisConnection, prefix: string): MappingStore {
  const k = keys(prefix);
  const written = (reply: unknown, v: Omit<MappingVersion, 'id' | 'basedOn'>): MappingVersion => {
    const [id, current] = reply as [number, string];
    return { ...v, id, basedOn: basedOnOf(current) };
  };
  return {
    async currentId() {
      const raw = await redis.get(k.current);
      return raw === null ? null : Number(raw);
    },
    async get(id) {
      return parseVersion(await redis.hget(k.versions, String(id)));
    },
    async list(limit = 50) {
      const newest = Number((await redis.get(k.seq)) ?? 0);
      const ids = Array.from({ length: Math.min(limit, newest) }, (_, i) => String(newest - i));
      if (ids.length === 0) return [];
      const raws = await redis.hmget(k.versions, ...ids);
      return raws.flatMap((raw) => parseVersion(raw) ?? []);
    },
    async save(v): Promise<MappingSaveResult> {
      const body = { text: v.text, author: v.author, at: v.at, comment: v.comment };
      const expected = v.basedOn === null ? '' : String(v.basedOn);
      const reply = (await redis.eval(SAVE, 3, k.current, k.seq, k.versions, expected, JSON.stringify(body))) as [
        number,
        string,
      ];
      if (reply[0] === -1) return { ok: false, current: basedOnOf(reply[1]) };
      return { ok: true, version: written(reply, body) };
    },
    async importFile(v) {
      const body = {
        text: v.text,
        author: 'MAPPING_FILE',
        at: v.at,
        comment: v.comment,
      };
      const reply = await redis.eval(IMPORT, 4, k.current, k.seq, k.versions, k.fileHash, v.hash, JSON.stringify(body));
      if ((reply as [number, string])[0] === 0) return null;
      return written(reply, body);
    },
  };
}
