#!/usr/bin/env node
// The built deployctl: one file that npm run build writes (scripts/bundle.js --built), compiled from a code cache.
require('../dist/deployctl.js');
