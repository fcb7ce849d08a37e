// deployctl: asks the coordinator for deployments and reports on them. Exit codes: see exit-codes.ts.
// Each subcommand's module is loaded only when it runs: `--help` needs none of them, and no subcommand pays for
// another's dependencies. Nothing here may import the worker, activities or workflow code (a lint rule holds that).
import { Command, CommanderError, Option } from 'commander';
import { EXIT, ExitError } from '../client/exit-codes';

let exitCode: number = EXIT.ok;
const run =
  <A extends unknown[]>(load: () => Promise<(...args: A) => Promise<number>>) =>
  async (...args: A) => {
    exitCode = await (await load())(...args);
  };

const program = new Command('deployctl')
  .description('Queue and follow CloudFormation/CDK deployments: one per environment at a time.')
  .exitOverride()
  .showHelpAfterError('(run deployctl --help for usage)')
  .addHelpText(
    'after',
    [
      '',
      'Exit codes:',
      '  0        succeeded (or queued, with --detach)',
      '  1        failed',
      '  2        gave up waiting for the turn (its wait timeout)',
      '  3        cancelled, superseded or revoked',
      '  4        refused: the environment is closed (frozen, or outside its deploy',
      '           windows) until after the wait timeout, or allows no override;',
      '           nothing queued',
      '  5        not promoted: the ref has not succeeded upstream (soaked, within',
      '           maxAge, not failed since); nothing deployed',
      '  6        rejected by an approver; nothing deployed',
      '  64       bad input or config: nothing started',
      '  69       Temporal (or the CI ID token service) unavailable',
      '  77       access denied: the ID token failed a check, or no access rule',
      '           of the environment allows it; nothing started',
      '  130/143  interrupted by SIGINT/SIGTERM',
    ].join('\n'),
  );

program
  .command('deploy')
  .description('request a deployment and follow it to its outcome')
  .requiredOption('--env <environment>', 'environment to deploy to')
  .option('--stack <stack>', "stack name (default: the environment's)")
  .option('--correlation-id <id>', 'names this deployment; resubmitting it attaches instead of deploying again')
  .option('--ref <ref>', 'the commit or tag being deployed (DEPLOY_REF for the deploy step)')
  .option('--commit-time <time>', 'when that commit was made (ISO 8601), for lead time (default: DEPLOY_COMMIT_TIME)')
  .option('--assembly <dir|s3-uri>', 'cdk environments: the cdk synth output (a directory the worker reads, or s3://)')
  .addOption(new Option('--priority <level>', 'queue priority').choices(['normal', 'high']).default('normal'))
  .option('--wait-timeout <duration>', "how long to wait for the environment (default: the environment's)")
  .option('--detach', 'return once the deployment is queued; it waits through a closed environment')
  .option('--at <time>', 'join the queue at this time: ISO 8601 with its offset, or a duration from now (20s, 2h)')
  .option('--override-freeze', 'deploy through a closed environment (where its config allows it); give --reason')
  .option('--reason <text>', 'why the override, for the history and notifications')
  .option('--json', 'print one JSON object with the outcome')
  .option('--config <path>', 'config file (default: DEPLOY_CONFIG or ./deploy.config.json)')
  .option('--id-token-file <path>', "the CI's ID token, for a verified request (default: DEPLOY_ID_TOKEN)")
  .option('--audience <aud>', 'on GitHub Actions: the ID token audience (default: deployment-coordinator)')
  .option('--github-repository <owner/name>', 'show it there as a GitHub deployment (default: GITHUB_REPOSITORY)')
  .option(
    '--cancel-on-interrupt',
    'on SIGINT/SIGTERM cancel the deployment even if it runs (default: only if it waits)',
  )
  .action(run(async () => (await import('./deploy')).deployCommand));

/** What an operator's commands share: who you are, and the ID token that proves it where the rules ask for one. */
function operatorOptions(command: Command, doing: string): Command {
  return command
    .option('--by <who>', `who ${doing} (default: the CI actor or the local user)`)
    .option('--id-token-file <path>', 'an ID token that proves who you are (default: DEPLOY_ID_TOKEN)')
    .option('--audience <aud>', 'on GitHub Actions: the ID token audience (default: deployment-coordinator)');
}

/** The options every command that requests a deployment shares, after its own. */
function requestOptions(command: Command): Command {
  return command
    .option('--correlation-id <id>', 'names this deployment; resubmitting it attaches instead of deploying again')
    .option('--wait-timeout <duration>', "how long to wait for the environment (default: the environment's)")
    .option('--detach', 'return once the deployment is queued; it waits through a closed environment')
    .option('--override-freeze', 'deploy through a closed environment (where its config allows it)')
    .option('--json', 'print one JSON object with the outcome')
    .option('--config <path>', 'config file (default: DEPLOY_CONFIG or ./deploy.config.json)')
    .option('--id-token-file <path>', "the CI's ID token, for a verified request (default: DEPLOY_ID_TOKEN)")
    .option('--audience <aud>', 'on GitHub Actions: the ID token audience (default: deployment-coordinator)')
    .option('--github-repository <owner/name>', 'show it there as a GitHub deployment (default: GITHUB_REPOSITORY)');
}

requestOptions(
  program
    .command('promote')
    .description('deploy to an environment the ref that last succeeded upstream (or check --ref), and follow it')
    .requiredOption('--from <environment>', 'the upstream environment the ref succeeded in')
    .requiredOption('--to <environment>', 'the environment to deploy to')
    .option('--ref <ref>', 'the ref to promote (default: the one that last succeeded in --from)')
    .option('--assembly <dir|s3-uri>', "cdk environments: the assembly (default: the upstream deployment's)")
    .addOption(new Option('--priority <level>', 'queue priority').choices(['normal', 'high']).default('normal'))
    .option('--reason <text>', 'why the freeze override'),
).action(run(async () => (await import('./promote')).promoteCommand));

requestOptions(
  program
    .command('rollback')
    .description(
      'redeploy, ahead of normal requests, what succeeded here before the current deployment (or --to, --ref)',
    )
    .requiredOption('--env <environment>', 'the environment to roll back')
    .option('--to <correlation-id>', 'the earlier deployment to repeat')
    .option('--ref <ref>', 'repeat the newest deployment of this ref that succeeded here')
    .requiredOption('--reason <text>', 'why, for the history and notifications'),
).action(run(async () => (await import('./rollback')).rollbackCommand));

operatorOptions(
  program
    .command('approve')
    .description('approve a waiting deployment (environments with approvals); answered at once')
    .argument('<correlation-id>')
    .requiredOption('--env <environment>')
    .option('--comment <text>', 'a note with the approval')
    .option('--json', "print the deployment's approvals as JSON"),
  'approves',
).action(run(async () => (await import('./approve')).approveCommand));

operatorOptions(
  program
    .command('reject')
    .description('reject a waiting deployment: it ends rejected (exit 6 for whoever follows it)')
    .argument('<correlation-id>')
    .requiredOption('--env <environment>')
    .requiredOption('--reason <text>', 'why, for the history and notifications'),
  'rejects',
).action(run(async () => (await import('./approve')).rejectCommand));

program
  .command('run')
  .description('request a deployment and, when its turn comes, run its deploy command here (on the CI runner)')
  .usage('--env <environment> [options] -- <command> [args...]')
  .argument('<command...>', 'the deploy command and its arguments, run without a shell (put them after --)')
  .requiredOption('--env <environment>', 'environment to deploy to')
  .option('--stack <stack>', "stack name (default: the environment's; STACK_NAME for the command)")
  .option('--correlation-id <id>', 'names this deployment; resubmitting it attaches instead of deploying again')
  .option('--ref <ref>', 'the commit or tag being deployed (DEPLOY_REF for the command)')
  .option('--commit-time <time>', 'when that commit was made (ISO 8601), for lead time (default: DEPLOY_COMMIT_TIME)')
  .addOption(new Option('--priority <level>', 'queue priority').choices(['normal', 'high']).default('normal'))
  .option('--wait-timeout <duration>', "how long to wait for the environment (default: the environment's)")
  .option('--json', "print one JSON object with the outcome (the command's output goes to stderr)")
  .option('--config <path>', 'config file (default: DEPLOY_CONFIG or ./deploy.config.json)')
  .option('--id-token-file <path>', "the CI's ID token, for a verified request (default: DEPLOY_ID_TOKEN)")
  .option('--audience <aud>', 'on GitHub Actions: the ID token audience (default: deployment-coordinator)')
  .option('--github-repository <owner/name>', 'show it there as a GitHub deployment (default: GITHUB_REPOSITORY)')
  .action(run(async () => (await import('./run')).runCommand));

program
  .command('status')
  .description("show one deployment's state")
  .argument('<correlation-id>')
  .requiredOption('--env <environment>')
  .option('--json', 'print JSON')
  .action(run(async () => (await import('./status')).statusCommand));

program
  .command('queue')
  .description("show an environment's current deployment and waiting list")
  .requiredOption('--env <environment>')
  .option('--json', 'print JSON')
  .action(run(async () => (await import('./queue')).queueCommand));

operatorOptions(
  program
    .command('cancel')
    .description('cancel a waiting or running deployment')
    .argument('<correlation-id>')
    .requiredOption('--env <environment>')
    .option('--reason <text>', 'why, for the history and notifications'),
  'cancels',
).action(run(async () => (await import('./cancel')).cancelCommand));

operatorOptions(
  program
    .command('force-release')
    .description("take the turn from an environment's current deployment and pass it on")
    .requiredOption('--env <environment>')
    .requiredOption('--reason <text>', 'why, for the history and notifications'),
  'force-releases',
).action(run(async () => (await import('./force-release')).forceReleaseCommand));

const collect = (value: string, previous: string[] = []) => [...previous, value];

operatorOptions(
  program
    .command('freeze')
    .description("hold environments' queues: requests wait in order until unfreeze (a running deployment runs on)")
    .option('--env <environment>', 'an environment to freeze (repeatable)', collect)
    .option('--all', "every environment in the worker's config")
    .requiredOption('--reason <text>', 'why, for the history and notifications')
    .option('--for <duration>', 'end the freeze by itself after this long (2h)')
    .option('--until <time>', 'end the freeze by itself at this time (ISO 8601 with its offset)'),
  'freezes',
).action(run(async () => (await import('./freeze')).freezeCommand));

operatorOptions(
  program
    .command('unfreeze')
    .description('lift a freeze by hand: waiting requests run in their order (windows from config still apply)')
    .option('--env <environment>', 'an environment to unfreeze (repeatable)', collect)
    .option('--all', "every environment in the worker's config")
    .requiredOption('--reason <text>', 'why, for the history and notifications'),
  'lifts it',
).action(run(async () => (await import('./freeze')).unfreezeCommand));

program
  .command('freezes')
  .description('what is closed now (frozen, or outside its deploy windows) and the windows ahead')
  .option('--env <environment>', 'only this environment (repeatable; default: all)', collect)
  .option('--days <n>', 'how many days ahead to list (1 to 90)', '7')
  .option('--json', 'print JSON')
  .action(run(async () => (await import('./freeze')).freezesCommand));

program
  .command('history')
  .description("an environment's recent deployments, newest first")
  .requiredOption('--env <environment>')
  .option('--limit <n>', 'how many (1 to 1000)', '20')
  .option('--status <status>', 'only those that ended so (succeeded, failed, cancelled, ...) or are in that state')
  .option('--json', 'print JSON')
  .action(run(async () => (await import('./history')).historyCommand));

program
  .command('stats')
  .description('how environments deliver: deployments a day, change failure rate, time to restore, wait and duration')
  .option('--env <environment>', 'only this environment (repeatable; default: all)', collect)
  .option('--since <duration>', 'the window, back from now (1h to 366d)', '30d')
  .option('--json', 'print JSON')
  .action(run(async () => (await import('./stats')).statsCommand));

async function main(): Promise<number> {
  try {
    await program.parseAsync(process.argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other parse problem is bad usage.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof ExitError) {
      process.stderr.write(`deployctl: ${err.message}\n`);
      return err.exitCode;
    }
    const { isUnavailable, unavailableError } = await import('../client/connect');
    if (isUnavailable(err)) {
      const { temporalTarget } = await import('../connection/temporal-target');
      const { address, namespace } = temporalTarget().target;
      process.stderr.write(`deployctl: ${unavailableError(address, namespace, err).message}\n`);
      return EXIT.unavailable;
    }
    process.stderr.write(`deployctl: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}

void main().then((code) => process.exit(code));
