// For the single-file project: deployctl is bundle/deployctl.js, copied alone into an empty directory, so that
// nothing beside it (node_modules, dist) can be what makes it work.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'deployctl-alone-'));
const alone = join(dir, 'deployctl.js');
copyFileSync(join(__dirname, '..', 'bundle', 'deployctl.js'), alone);
process.env.DEPLOYCTL_UNDER_TEST = alone;
