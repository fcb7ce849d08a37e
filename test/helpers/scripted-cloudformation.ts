// An in-memory CloudFormation behind the same port as the AWS SDK, for what moto cannot show: updates that take
// time, stall, fail or roll back. The contract tests hold it to the answers the real API (via moto) gives.
import { randomUUID } from 'node:crypto';
import type {
  ChangeSetDescription,
  CloudFormationPort,
  CreateChangeSetInput,
  StackDescription,
  StackEvent,
} from '../../src/cloudformation/port';

interface FakeStack {
  stackId: string;
  stackName: string;
  status: string;
  statusReason?: string;
  template?: string;
  outputs: Record<string, string>;
  events: StackEvent[];
}

interface FakeChangeSet extends ChangeSetDescription {
  type: 'CREATE' | 'UPDATE';
  template?: string;
}

/**
 * One scripted step of an update: `afterMs` after the execution, or once `until` resolves (for a step the test itself
 * decides when to take), the stack is in `status`, with this event.
 */
export interface ScriptStep {
  afterMs?: number;
  until?: Promise<unknown>;
  status?: string;
  event?: { logicalResourceId: string; resourceType?: string; resourceStatus: string; reason?: string };
}

function validationError(message: string): Error {
  return Object.assign(new Error(message), { name: 'ValidationError' });
}

const NO_CHANGES =
  "The submitted information didn't contain changes. Submit different information to create a change set.";

export class ScriptedCloudFormation implements CloudFormationPort {
  private readonly stacks = new Map<string, FakeStack>();
  private readonly changeSets = new Map<string, FakeChangeSet>();
  private readonly scripts = new Map<string, ScriptStep[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Every call, for tests that check what was (not) asked of CloudFormation. */
  readonly calls: Array<{ operation: string; stackName: string }> = [];

  private throttled = 0;
  private readonly heldDescribes = new Map<string, (release: () => void) => void>();

  /**
   * The next describeStack of `stackName` reads the stack when it is made but answers only once the test releases it:
   * a poll whose answer comes after what happened meanwhile. Resolves with the release when that call is made.
   */
  holdNextDescribe(stackName: string): Promise<() => void> {
    return new Promise((called) => this.heldDescribes.set(stackName, called));
  }

  /** The next `calls` reads answer with CloudFormation's throttling error, as a busy account does. */
  throttleNext(calls: number): void {
    this.throttled = calls;
  }

  get throttlesLeft(): number {
    return this.throttled;
  }

  private maybeThrottle(): void {
    if (this.throttled <= 0) return;
    this.throttled -= 1;
    throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
  }

  /** The next execution on this stack plays these steps instead of completing at once. */
  scriptNextUpdate(stackName: string, steps: ScriptStep[]): void {
    this.scripts.set(stackName, steps);
  }

  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }

  private record(
    stack: FakeStack,
    logicalResourceId: string,
    resourceType: string,
    resourceStatus: string,
    token?: string,
    reason?: string,
  ) {
    stack.events.push({
      eventId: randomUUID(),
      timestamp: Date.now(),
      logicalResourceId,
      resourceType,
      resourceStatus,
      ...(reason ? { reason } : {}),
      ...(token ? { clientRequestToken: token } : {}),
    });
  }

  private setStatus(stack: FakeStack, status: string, token?: string, reason?: string): void {
    stack.status = status;
    this.record(stack, stack.stackName, 'AWS::CloudFormation::Stack', status, token, reason);
  }

  async describeStack(stackName: string): Promise<StackDescription | undefined> {
    this.calls.push({ operation: 'describeStack', stackName });
    this.maybeThrottle();
    const stack = this.stacks.get(stackName);
    const answer =
      !stack || stack.status === 'DELETE_COMPLETE'
        ? undefined
        : {
            stackId: stack.stackId,
            stackName: stack.stackName,
            status: stack.status,
            ...(stack.statusReason ? { statusReason: stack.statusReason } : {}),
            outputs: { ...stack.outputs },
          };
    const held = this.heldDescribes.get(stackName);
    if (held) {
      this.heldDescribes.delete(stackName);
      await new Promise<void>((release) => held(release));
    }
    return answer;
  }

  async newestStackEventId(stackName: string): Promise<string | undefined> {
    this.calls.push({ operation: 'newestStackEventId', stackName });
    return this.stacks.get(stackName)?.events.at(-1)?.eventId;
  }

  async newStackEvents(stackName: string, sinceEventId?: string): Promise<StackEvent[]> {
    this.calls.push({ operation: 'newStackEvents', stackName });
    const events = this.stacks.get(stackName)?.events ?? [];
    const seen = sinceEventId === undefined ? -1 : events.findIndex((event) => event.eventId === sinceEventId);
    return events.slice(seen + 1).map((event) => ({ ...event }));
  }

  async createChangeSet(input: CreateChangeSetInput): Promise<{ id: string }> {
    this.calls.push({ operation: 'createChangeSet', stackName: input.stackName });
    let stack = this.stacks.get(input.stackName);
    if (input.changeSetType === 'CREATE') {
      if (stack) throw validationError(`Stack [${input.stackName}] already exists`);
      stack = {
        stackId: `arn:fake:stack/${input.stackName}/${randomUUID()}`,
        stackName: input.stackName,
        status: 'REVIEW_IN_PROGRESS',
        outputs: {},
        events: [],
      };
      this.stacks.set(input.stackName, stack);
    } else if (!stack) {
      throw validationError(`Stack [${input.stackName}] does not exist`);
    }
    const unchanged = input.changeSetType === 'UPDATE' && stack.template === input.templateBody;
    const id = `arn:fake:changeSet/${input.changeSetName}/${randomUUID()}`;
    this.changeSets.set(`${input.stackName}/${input.changeSetName}`, {
      id,
      type: input.changeSetType,
      ...(input.templateBody ? { template: input.templateBody } : {}),
      status: unchanged ? 'FAILED' : 'CREATE_COMPLETE',
      ...(unchanged ? { statusReason: NO_CHANGES } : {}),
      executionStatus: unchanged ? 'UNAVAILABLE' : 'AVAILABLE',
      changes: unchanged ? 0 : 1,
    });
    return { id };
  }

  async describeChangeSet(stackName: string, changeSetName: string): Promise<ChangeSetDescription | undefined> {
    this.calls.push({ operation: 'describeChangeSet', stackName });
    const changeSet = this.changeSets.get(`${stackName}/${changeSetName}`);
    if (!changeSet) return undefined;
    const { type: _type, template: _template, ...description } = changeSet;
    return description;
  }

  async executeChangeSet(stackName: string, changeSetName: string, clientRequestToken: string): Promise<void> {
    this.calls.push({ operation: 'executeChangeSet', stackName });
    const changeSet = this.changeSets.get(`${stackName}/${changeSetName}`);
    const stack = this.stacks.get(stackName);
    if (!changeSet || !stack)
      throw Object.assign(new Error(`ChangeSet [${changeSetName}] does not exist`), {
        name: 'ChangeSetNotFoundException',
      });
    if (changeSet.executionStatus !== 'AVAILABLE')
      throw validationError(
        `ChangeSet [${changeSetName}] cannot be executed in its current status of [${changeSet.status}]`,
      );
    changeSet.executionStatus = 'EXECUTE_IN_PROGRESS';
    const verb = changeSet.type === 'CREATE' ? 'CREATE' : 'UPDATE';
    if (changeSet.template) stack.template = changeSet.template;
    this.setStatus(stack, `${verb}_IN_PROGRESS`, clientRequestToken);
    const script = this.scripts.get(stackName);
    this.scripts.delete(stackName);
    const finish = () => {
      changeSet.executionStatus = 'EXECUTE_COMPLETE';
    };
    if (!script) {
      this.record(stack, 'Resource', 'AWS::SQS::Queue', `${verb}_IN_PROGRESS`, clientRequestToken);
      this.record(stack, 'Resource', 'AWS::SQS::Queue', `${verb}_COMPLETE`, clientRequestToken);
      this.setStatus(stack, `${verb}_COMPLETE`, clientRequestToken);
      finish();
      return;
    }
    for (const step of script) {
      const take = () => {
        if (step.event) {
          const { logicalResourceId, resourceType = 'AWS::SQS::Queue', resourceStatus, reason } = step.event;
          this.record(stack, logicalResourceId, resourceType, resourceStatus, clientRequestToken, reason);
        }
        if (step.status) this.setStatus(stack, step.status, clientRequestToken);
        if (!step.status?.endsWith('_IN_PROGRESS')) finish();
      };
      if (step.until) {
        void step.until.then(take);
        continue;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        take();
      }, step.afterMs ?? 0);
      this.timers.add(timer);
    }
  }

  async deleteChangeSet(stackName: string, changeSetName: string): Promise<void> {
    this.calls.push({ operation: 'deleteChangeSet', stackName });
    this.changeSets.delete(`${stackName}/${changeSetName}`);
  }

  async cancelUpdateStack(stackName: string, clientRequestToken?: string): Promise<void> {
    this.calls.push({ operation: 'cancelUpdateStack', stackName });
    const stack = this.stacks.get(stackName);
    if (stack?.status !== 'UPDATE_IN_PROGRESS') {
      throw validationError(`CancelUpdateStack cannot be called from current stack status [${stack?.status}]`);
    }
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.setStatus(stack, 'UPDATE_ROLLBACK_IN_PROGRESS', clientRequestToken, 'User Initiated');
    const timer = setTimeout(() => this.setStatus(stack, 'UPDATE_ROLLBACK_COMPLETE', clientRequestToken), 200);
    this.timers.add(timer);
  }

  async continueUpdateRollback(stackName: string, clientRequestToken?: string): Promise<void> {
    this.calls.push({ operation: 'continueUpdateRollback', stackName });
    const stack = this.stacks.get(stackName);
    if (stack?.status !== 'UPDATE_ROLLBACK_FAILED') {
      throw validationError(`ContinueUpdateRollback cannot be called from current stack status [${stack?.status}]`);
    }
    this.setStatus(stack, 'UPDATE_ROLLBACK_IN_PROGRESS', clientRequestToken);
    const timer = setTimeout(() => this.setStatus(stack, 'UPDATE_ROLLBACK_COMPLETE', clientRequestToken), 200);
    this.timers.add(timer);
  }
}
