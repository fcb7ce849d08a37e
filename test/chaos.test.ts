// The coordinator under a seeded random mix of requests and faults (see test/chaos/): two worker processes, killed
// alone or with their whole process group, a server restart, terminated holders, force-releases, cancels, killed
// runners, freezes set and lifted by hand, requests that need an approval and a promotion from blue (approved or
// rejected at random moments). Then: never two deploy commands at once in an environment, every request ended and
// deployctl said how, no command ran twice, every queue empty, no workflow task failed, nothing deployed to the gated
// environment unapproved or unsoaked. CHAOS_SEED and CHAOS_SECONDS choose another run;
// npm run chaos runs one outside Jest.
import { runChaos } from './chaos/run-chaos';

const seed = Number(process.env.CHAOS_SEED ?? 20261128);
const seconds = Number(process.env.CHAOS_SECONDS ?? 60);

test(`chaos seed ${seed}: the queue holds through ${seconds} s of faults`, async () => {
  const report = await runChaos({ seed, seconds });
  const kinds = new Set(report.plan.actions.map(({ action }) => action.kind));
  const succeeded = report.observed.requests.filter((request) => request.status === 'succeeded');
  const gated = report.observed.requests.filter((request) => request.environment === 'gated');
  const gatedSucceeded = gated.filter((request) => request.status === 'succeeded');
  // The summary names the seed and every gated request's end; on a violation it has the interval table and actions.
  if (report.verdict.violations.length > 0 || succeeded.length <= 10 || gatedSucceeded.length === 0) {
    console.error(report.summary);
  }
  expect(report.verdict.violations).toEqual([]);
  // The run did what it is for: faults of every kind happened, and deployments got through them.
  expect([...kinds].sort()).toEqual(
    ['cancel', 'deploy', 'force-release', 'freeze', 'kill-worker', 'restart-server', 'run', 'terminate-holder'].sort(),
  );
  expect(succeeded.length).toBeGreaterThan(10);
  // Approvals and promotions were among the requests, and some got through both.
  expect(gated.length).toBeGreaterThan(3);
  expect(gatedSucceeded.length).toBeGreaterThan(0);
  // (Above the harness's own bounds on a loaded machine: 60 s of schedule, up to 240 s for every deployctl to settle,
  // 60 s for the queues to empty and 30 s for the results, plus its servers' and workers' start and stop.)
}, 720_000);
