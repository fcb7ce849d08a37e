// deployctl approve and reject: answered at once by the deployment (a Temporal Update); its validator refuses, and
// records nothing for, self-approval, an unlisted approver, or a deployment that has ended or already deploys.
import { type WorkflowHandle, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { approveUpdate, deploymentWorkflowId, rejectUpdate } from '../contract';
import { accessDeniedExit, byWords, operatorIdentity, type OperatorOptions } from '../client/actor';
import { connectOrExit, notFound } from '../client/connect';
import { executeOperatorUpdate } from '../client/operator-message';
import { EXIT, ExitError, usageError } from '../client/exit-codes';
import { checkName, checkReason } from '../client/inputs';
import { approvedWords } from '../domain/approvals';
import { present } from '../domain/present';

interface AnswerOptions extends OperatorOptions {
  env: string;
  json?: boolean;
}

function checked(id: string, options: AnswerOptions): void {
  checkName('environment', options.env);
  checkName('correlation ID', id);
}

/** Who answers: with an ID token, the worker takes the name from it; else --by, the CI actor or the local user. */
async function answerer(options: AnswerOptions): Promise<{ by: string; idToken?: string }> {
  const { by, idToken } = await operatorIdentity(options);
  if (by === undefined) throw usageError('say who you are: --by <who> (no CI actor or local user name found)');
  return { by, ...present({ idToken }) };
}

/** Sends one update; a refusal by its validator is bad input (64), named; an ended deployment says so. */
async function answer<T>(id: string, env: string, send: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
  const { client, close } = await connectOrExit();
  const handle = client.workflow.getHandle(deploymentWorkflowId(env, id));
  try {
    return await send(handle);
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const denied = accessDeniedExit(err, id);
      if (denied) throw denied;
      const cause = err.cause instanceof Error ? err.cause.message : err.message;
      throw new ExitError(EXIT.usage, `${id}: refused: ${cause}`);
    }
    if (err instanceof WorkflowNotFoundError) {
      // (An update can miss a running workflow too, on a loaded server: only a closed one has ended.)
      const described = await handle.describe().catch(() => undefined);
      if (described && described.status.name !== 'RUNNING') {
        throw new ExitError(EXIT.usage, `${id}: refused: it has already ended`);
      }
      if (described) throw err;
      notFound(err, `deployment ${id} in environment ${env}`);
    }
    throw err;
  } finally {
    await close();
  }
}

export async function approveCommand(id: string, options: AnswerOptions & { comment?: string }): Promise<number> {
  checked(id, options);
  const comment = options.comment === undefined ? undefined : checkReason(options.comment, '--comment');
  if (comment !== undefined && comment.length > 200) throw usageError('--comment has at most 200 characters');
  const who = await answerer(options);
  const approvals = await answer(id, options.env, (handle) =>
    executeOperatorUpdate(handle, approveUpdate, { ...who, ...present({ comment }) }),
  );
  if (options.json) process.stdout.write(`${JSON.stringify(approvals)}\n`);
  const now = Date.now();
  const state = approvals.approvedUntil === undefined ? 'still waiting for approval' : 'may take its turn';
  process.stderr.write(`${id}: ${approvedWords(approvals, now)}; ${state}\n`);
  return EXIT.ok;
}

export async function rejectCommand(id: string, options: AnswerOptions & { reason?: string }): Promise<number> {
  checked(id, options);
  const reason = checkReason(options.reason);
  if (reason.length > 200) throw usageError('--reason has at most 200 characters');
  const who = await answerer(options);
  await answer(id, options.env, (handle) => executeOperatorUpdate(handle, rejectUpdate, { ...who, reason }));
  process.stderr.write(`${id}: rejected${byWords(who)} (${reason})\n`);
  return EXIT.ok;
}
