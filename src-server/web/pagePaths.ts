/**
 * Latchkey's pages, below the `/.latchkey` prefix: one table for the server (which serves the
 * page shell on exactly these paths) and the renderer (which routes them and builds its menu
 * from the `nav` entries, in this order).
 */
export interface PageInfo {
  path: string;
  title: string;
  /** In the menu on every signed-in page. */
  nav?: boolean;
  /** Only for the person at the computer (the page says so elsewhere). */
  localOnly?: boolean;
  /** Drawn without the menu: sign-in screens and the desktop app's approval window. */
  bare?: boolean;
}

export const PAGE_TABLE: readonly PageInfo[] = [
  { path: '/', title: 'Home', nav: true },
  { path: '/devices', title: 'Devices', nav: true },
  { path: '/pending', title: 'Pending', nav: true, localOnly: true },
  { path: '/apps', title: 'Apps', nav: true },
  { path: '/remote', title: 'Remote access', nav: true, localOnly: true },
  { path: '/keys', title: 'API keys', nav: true },
  { path: '/security', title: 'Security', nav: true },
  { path: '/activity', title: 'Activity', nav: true },
  { path: '/pair', title: 'Pair this device', bare: true },
  { path: '/signin', title: 'Sign in', bare: true },
  { path: '/approve', title: 'Approve device', localOnly: true, bare: true },
  { path: '/cli-login', title: 'Sign in the command line', bare: true },
  { path: '/fallback/email', title: 'Sign in with email link', bare: true },
  { path: '/share', title: 'Invitation', bare: true },
  { path: '/agents/allow', title: 'Allow an agent', bare: true },
];

/**
 * Names people and links already know, kept working: the server redirects each to its page
 * (Settings → Privacy → Passkeys and Settings → Security → Trusted Devices are both Devices now).
 */
export const PAGE_ALIASES: Readonly<Record<string, string>> = {
  '/settings/privacy': '/devices',
  '/settings/security': '/devices',
  '/settings/keys': '/keys',
  '/settings/apps': '/apps',
  '/settings/remote': '/remote',
  '/settings/activity': '/activity',
  '/approvals': '/pending',
};

export const pageInfo = (path: string): PageInfo | undefined => PAGE_TABLE.find((p) => p.path === path);
