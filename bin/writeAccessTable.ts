// Writes the access table (src-server/access/routeRules.ts) into README.md: npm run access-table.
import { readFileSync, writeFileSync } from 'node:fs';
import { withAccessTable } from '../src-server/access/renderAccessTable.ts';

const file = new URL('../README.md', import.meta.url);
writeFileSync(file, withAccessTable(readFileSync(file, 'utf8')));
