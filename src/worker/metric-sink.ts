// Where the workflows' deployment metrics leave the sandbox: served by the runtime's exporter, labelled as the SDK's
// own metrics are (`namespace`, `task_queue`, `workflow_type`), so that one scrape has one spelling of each label.
import { type InjectedSinks, Runtime } from '@temporalio/worker';
import { type MetricKey, METRICS, type MetricSinks, type MetricSpec } from '../contract';

type Observe = (value: number, labels: Record<string, string>) => void;

/** The metric sink of a worker of `namespace` and `taskQueue`. */
export function metricSinks(namespace: string, taskQueue: string): InjectedSinks<MetricSinks> {
  const meter = Runtime.instance().metricMeter.withTags({ namespace, task_queue: taskQueue });
  // (Creating a metric crosses into the runtime: each is made once.)
  const made = new Map<MetricKey, Observe>();
  const instrument = (key: MetricKey): Observe => {
    const spec: MetricSpec = METRICS[key];
    const unit = spec.unit ?? '1';
    switch (spec.kind) {
      case 'counter': {
        const counter = meter.createCounter(spec.name, unit, spec.help);
        return (value, labels) => counter.add(value, labels);
      }
      case 'histogram': {
        const histogram = meter.createHistogram(spec.name, spec.valueType ?? 'float', unit, spec.help);
        return (value, labels) => histogram.record(value, labels);
      }
      case 'gauge': {
        const gauge = meter.createGauge(spec.name, spec.valueType ?? 'float', unit, spec.help);
        return (value, labels) => gauge.set(value, labels);
      }
    }
  };
  return {
    deploymentMetrics: {
      observe: {
        fn: (info, key, value, labels) => {
          if (!made.has(key)) made.set(key, instrument(key));
          made.get(key)!(value, { ...labels, workflow_type: info.workflowType });
        },
        callDuringReplay: false,
      },
    },
  };
}
