import { DEFAULT_TUNING, workerTuning } from '../../src/worker/tuning';

test('unset or empty: the documented defaults', () => {
  expect(workerTuning({})).toEqual({ tuning: DEFAULT_TUNING });
  expect(workerTuning({ DEPLOY_WORKFLOW_CACHE_SIZE: '' })).toEqual({ tuning: DEFAULT_TUNING });
});

test('each setting from its variable', () => {
  expect(
    workerTuning({
      DEPLOY_WORKFLOW_CACHE_SIZE: '250',
      DEPLOY_MAX_CONCURRENT_WORKFLOW_TASKS: '10',
      DEPLOY_MAX_CONCURRENT_ACTIVITIES: '20',
    }),
  ).toEqual({
    tuning: {
      maxCachedWorkflows: 250,
      maxConcurrentWorkflowTaskExecutions: 10,
      maxConcurrentActivityTaskExecutions: 20,
    },
  });
});

test.each(['0', '1', '-5', '2.5', '1e3', ' 10', 'lots', '99999999999999999999'])(
  'refused, naming the variable and the value: %j',
  (value) => {
    const result = workerTuning({ DEPLOY_MAX_CONCURRENT_ACTIVITIES: value });
    expect(result).toEqual({
      problem: `invalid DEPLOY_MAX_CONCURRENT_ACTIVITIES ${JSON.stringify(value)}: use a whole number of at least 2`,
    });
  },
);
