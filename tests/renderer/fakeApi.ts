import { JSDOM } from 'jsdom';

/**
 * A DOM for React pages in plain Node (jsdom), and a `fetch` that answers like the server's
 * API from canned routes and records every call. Only the page is under test here; the real
 * server behind the same pages is exercised in Chromium (tests/desktop/desktopPages.test.ts).
 */
export function installDom(url: string) {
  const dom = new JSDOM('<!doctype html><html><body></body></html>', { url, pretendToBeVisual: true });
  const g = globalThis as Record<string, unknown>;
  for (const key of ['window', 'document', 'navigator', 'HTMLElement', 'Node', 'Event', 'MouseEvent', 'getComputedStyle']) {
    Object.defineProperty(g, key, { value: (dom.window as unknown as Record<string, unknown>)[key], configurable: true, writable: true });
  }
  g.IS_REACT_ACT_ENVIRONMENT = true;
  return dom;
}

export type Route = (body: unknown) => { status: number; body: unknown };

export function fakeApi(routes: Record<string, Route>) {
  const calls: Array<{ method: string; path: string; body: unknown }> = [];
  const fetch = async (input: string, init: { method?: string; body?: string } = {}) => {
    const method = init.method ?? 'GET';
    const path = new URL(input, 'http://localhost').pathname + new URL(input, 'http://localhost').search;
    const body = init.body ? JSON.parse(init.body) : undefined;
    calls.push({ method, path, body });
    const route = routes[`${method} ${path}`];
    const answer = route ? route(body) : { status: 404, body: { error: 'not_found', message: `no fake for ${method} ${path}` } };
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
  };
  (globalThis as { fetch: unknown }).fetch = fetch;
  return { calls };
}
