// node --import ./tests/helpers/recordImports.mjs …: appends every module URL the process
// resolves through the ESM loader to $LATCHKEY_IMPORT_LOG, so a test can see what loaded when.
import { register } from 'node:module';

register('./recordImportsHooks.mjs', import.meta.url);
