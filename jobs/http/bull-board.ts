import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Router } from 'express';

/**
 * bull-board's read-only switch is per queue adapter, fixed when the board is made (its API
 * answers 405 to every write on a read-only queue, whatever the UI shows). So there are two
 * boards over the same queues: /queues read-only for viewers, /queues/admin writable, which
 * server.ts lets only operators reach and logs each write of.
 */
export function bullBoards(queues: readonly Queue[]): { viewer: Router; admin: Router } {
  const make = (basePath: string, readOnlyMode: boolean, title: string): Router => {
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(basePath);
    createBullBoard({
      queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode, allowRetries: !readOnlyMode })),
      serverAdapter,
      // Back to the referrals dashboard (its header links here): bull-board lists miscLinks in its header menu.
      options: { uiConfig: { boardTitle: title, miscLinks: [{ text: 'Referrals dashboard', url: '/' }] } },
    });
    return serverAdapter.getRouter() as Router;
  };
  return {
    viewer: make('/queues', true, 'referral-sync queues (read-only)'),
    admin: make('/queues/admin', false, 'referral-sync queues (operator)'),
  };
}
