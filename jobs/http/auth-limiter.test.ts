import { expect, it } from 'vitest';
import { createAuthLimiter } from './auth-limiter.ts';

it('blocks a client after 10 failures in a minute, until the window has passed (#14)', () => {
  let t = 0;
  const limiter = createAuthLimiter({ now: () => t });
  for (let i = 0; i < 9; i += 1) limiter.failed('10.0.0.9');
  expect(limiter.blockedForMs('10.0.0.9')).toBe(0);
  limiter.failed('10.0.0.9');
  expect(limiter.blockedForMs('10.0.0.9')).toBe(60_000);
  expect(limiter.blockedForMs('10.0.0.8')).toBe(0);
  t = 60_001;
  expect(limiter.blockedForMs('10.0.0.9')).toBe(0);
});
