import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { renderAccessTable, withAccessTable } from '../../src-server/access/renderAccessTable.ts';
import { ROUTE_RULES } from '../../src-server/access/routeRules.ts';

describe('the README\'s "who may do what" table', () => {
  it('is the table the code enforces (npm run access-table rewrites it)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    assert.equal(withAccessTable(readme), readme, 'README.md is out of date: run npm run access-table');
    assert.equal(renderAccessTable().split('\n').length, Object.keys(ROUTE_RULES).length + 2, 'one row per route');
  });
});
