// Freezes by hand and the calendar of each environment, for deployctl freeze, unfreeze and freezes: the worker's
// config names the environments and their windows; each lock keeps its own freeze.
import type { WebClient } from '@slack/web-api';
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { DeployConfig } from '../config/deploy-config';
import {
  type AccessVerdict,
  FAILURE,
  freezeSignal,
  lockWorkflowId,
  type OperatorRequest,
  queueQuery,
} from '../contract';
import type { Closure, EnvironmentCalendarView, FreezeChange } from '../contract/calendar';
import { closureAt, stretchesBetween } from '../domain/calendar';
import { freezeAnnouncement } from '../domain/closure-wording';
import { requesterWords } from '../domain/id-token-claims';
import { present } from '../domain/present';
import { signalLock } from './lock';

function namesIn(config: DeployConfig, asked: string[] | undefined): string[] {
  const known = Object.keys(config.environments);
  const unknown = (asked ?? []).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `unknown environment ${JSON.stringify(unknown[0])} (the worker's config has: ${known.join(', ') || 'none'})`,
      FAILURE.unknownEnvironment,
    );
  }
  return asked ?? known;
}

export interface FreezeDeps {
  client: Client;
  config: DeployConfig;
  taskQueue: string;
  slack?: WebClient;
  /** Whether the operator may freeze each environment (its access block's operators). */
  authorizeOperator(request: OperatorRequest): Promise<AccessVerdict>;
}

export function createFreezeActivities({ client, config, taskQueue, slack, authorizeOperator }: FreezeDeps) {
  /** Best effort: the freeze holds whether or not Slack hears of it. */
  async function announce(environment: string, text: string): Promise<void> {
    const channel = config.environments[environment]?.slackChannel;
    log.info(text, { environment });
    if (!slack || channel === undefined) return;
    try {
      await slack.chat.postMessage({ channel, text });
    } catch (err) {
      log.warn('Freeze not announced in Slack', { environment, error: (err as { code?: string }).code ?? 'error' });
    }
  }

  return {
    /** Sets or lifts a freeze by hand at each lock (starting those not running); all or none of the names. */
    async changeFreezes(change: FreezeChange): Promise<string[]> {
      const names = namesIn(config, change.environments);
      // All or none: every environment's operator rules are asked before any lock is told.
      const actingFor = Context.current().info.workflowExecution?.workflowId ?? 'changeFreeze';
      let by = change.by;
      for (const environment of names) {
        const asked = { environment, action: 'freeze' as const, actingFor };
        const verdict = await authorizeOperator({
          ...asked,
          ...present({ idToken: change.idToken, claimedBy: change.by }),
        });
        if (!verdict.admitted) {
          throw ApplicationFailure.create({
            nonRetryable: true,
            type: FAILURE.accessDenied,
            message: verdict.reason,
            details: [{ environment, check: verdict.check }],
          });
        }
        if (verdict.requester) by = requesterWords(verdict.requester.name, verdict.requester.verified);
      }
      for (const environment of names) {
        const { calendar } = config.environments[environment]!;
        const { reason, until, lift } = change;
        await signalLock(client, taskQueue, environment, freezeSignal, {
          reason,
          ...present({ by, until, calendar }),
          ...(lift ? { lift } : {}),
        });
      }
      await Promise.all(
        names.map((environment) =>
          announce(environment, freezeAnnouncement(environment, { ...change, ...present({ by }) })),
        ),
      );
      return names;
    },

    /** Each environment's state now (its lock's, which knows freezes by hand) and its windows ahead. */
    async environmentCalendars(asked: { environments?: string[]; days: number }): Promise<EnvironmentCalendarView[]> {
      const names = namesIn(config, asked.environments);
      const now = Date.now();
      return Promise.all(
        names.map(async (environment) => {
          const { calendar } = config.environments[environment]!;
          let closure: Closure | null | undefined;
          let waiting = 0;
          try {
            const view = await client.workflow.getHandle(lockWorkflowId(environment)).query(queueQuery);
            closure = view.closure;
            waiting = view.waiting.length;
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          }
          return {
            environment,
            closure: closure === undefined ? (closureAt(calendar, undefined, now) ?? null) : closure,
            waiting,
            upcoming: stretchesBetween(calendar, now, now + asked.days * 86_400_000),
          };
        }),
      );
    },
  };
}
