/**
 * What the desktop controller needs from a windowing system. The Electron main process
 * implements it (src-main/createElectronUi.ts); tests implement it with a fake. Nothing
 * here names Electron, so every decision the desktop app makes is testable in plain Node.
 */
/** A page of the web UI a desktop window opens (src-server/web/pagePaths.ts). */
export type SettingsPage = 'devices' | 'security' | 'keys' | 'remote' | 'apps' | 'activity';

export type WindowRoute =
  | { kind: 'approval'; id: string }
  | { kind: 'settings'; page: SettingsPage };

export type TrayAction =
  | { kind: 'open-window'; route: WindowRoute }
  | { kind: 'open-browser' }
  /** An app behind the gate, at its URL on the local listener's app origin, in the system browser. */
  | { kind: 'open-app'; url: string }
  | { kind: 'quit' };

export interface TrayItem {
  label: string;
  /** Omitted for a disabled heading. */
  action?: TrayAction;
  separator?: boolean;
}

export interface TrayState {
  tooltip: string;
  /** Short text next to the icon (macOS) and the badge count elsewhere: the number pending, or ''. */
  badge: string;
  items: TrayItem[];
}

export interface NotificationSpec {
  title: string;
  body: string;
  /** Button labels; empty where the platform cannot show them (clicking then opens a window). */
  actions: string[];
}

export interface NotificationHandle {
  close(): void;
}

export interface DesktopUi {
  notify(spec: NotificationSpec, handlers: { onAction(label: string): void; onClick(): void }): NotificationHandle;
  setTray(state: TrayState): void;
  openWindow(route: WindowRoute): void;
  /** Opens a path of the local listener in the system browser (Latchkey's home when none is given). */
  openInBrowser(path?: string): void;
  /**
   * Opens an app in the system browser: never in a Latchkey window, which carries the desktop
   * secret and the preload (SECURITY.md §8). `url` is on the local app origin (localAppUrl).
   */
  openApp(url: string): void;
  showError(message: string): void;
  quit(): void;
}
