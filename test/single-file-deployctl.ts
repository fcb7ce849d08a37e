// Every end-to-end test runs deployctl as users download it: bundle/deployctl.js, copied alone into an empty
// directory, so that nothing beside it (node_modules, dist) can be what makes it work. The built deployctl
// (bin/deployctl.js) runs the same bytes: test/cli-deploy.test.ts checks that, and deploys through it once.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'deployctl-alone-'));
const alone = join(dir, 'deployctl.js');
copyFileSync(join(__dirname, '..', 'bundle', 'deployctl.js'), alone);
process.env.DEPLOYCTL_UNDER_TEST = alone;
