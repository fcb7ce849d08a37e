import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The checkout's root, whether this runs from source (tests) or compiled into dist/ (npm run chaos). */
export function projectRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}
