// The worker image's health check: healthy when this host's worker polls its task queue on the Temporal server.
// A worker that lost the server, or whose polling stopped, is unhealthy; a second worker elsewhere does not count.
// Exit 0 healthy, 1 not (with one line saying why).
import { hostname } from 'node:os';
import { taskQueueName } from '../connection/task-queue';
import { connectClient, temporalTarget } from '../connection/temporal-target';

/** A poller seen longer ago than this has stopped polling (a worker polls continuously, each poll up to a minute). */
const POLLER_FRESH_MS = 90_000;

async function main(): Promise<number> {
  const { target } = temporalTarget();
  const { connection } = await connectClient(3000);
  try {
    const taskQueue = taskQueueName();
    const { pollers } = await connection.withDeadline(Date.now() + 5000, () =>
      connection.workflowService.describeTaskQueue({
        namespace: target.namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: 1, // workflow tasks: every worker polls them
      }),
    );
    // A worker's identity is <pid>@<host> unless set otherwise.
    const mine = (pollers ?? []).filter((poller) => (poller.identity ?? '').endsWith(`@${hostname()}`));
    const fresh = mine.some((poller) => {
      const seconds = Number(poller.lastAccessTime?.seconds ?? 0);
      return Date.now() - seconds * 1000 < POLLER_FRESH_MS;
    });
    if (fresh) return 0;
    process.stderr.write(`unhealthy: no worker of ${hostname()} polls ${taskQueue} on ${target.address}\n`);
    return 1;
  } finally {
    await connection.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`unhealthy: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
