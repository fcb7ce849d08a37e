// The test environment of the end-to-end files: Node's, plus, when a test fails, the tail of every server's and
// worker's output the file kept (test/helpers/diagnosis.ts), written straight to stderr so that CI's log has it.
const { TestEnvironment } = require('jest-environment-node');

const KEY = '__deploymentCoordinatorOutputs';
const TAIL_LINES = 80;

class DiagnosingEnvironment extends TestEnvironment {
  async handleTestEvent(event) {
    if (event.name !== 'test_done' || event.test.errors.length === 0) return;
    const sources = this.global[KEY];
    if (!sources || sources.size === 0) return;
    const title = [];
    for (let block = event.test; block && block.name !== 'ROOT_DESCRIBE_BLOCK'; block = block.parent) {
      title.unshift(block.name);
    }
    const parts = [`\n=== "${title.join(' › ')}" failed: the output of what this file started ===`];
    for (const [name, output] of sources) {
      let text;
      try {
        text = String(output());
      } catch (err) {
        text = `(could not read it: ${err})`;
      }
      if (text.trim() === '') continue;
      const lines = text.trimEnd().split('\n');
      parts.push(`--- ${name}: last ${Math.min(TAIL_LINES, lines.length)} of ${lines.length} lines ---`);
      parts.push(lines.slice(-TAIL_LINES).join('\n'));
    }
    process.stderr.write(`${parts.join('\n')}\n=== end ===\n`);
  }
}

module.exports = DiagnosingEnvironment;
