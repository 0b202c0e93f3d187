type DesktopApi = typeof import('../src-main/preload.ts').latchkeyDesktop;

/**
 * The desktop app's preload API when the page runs inside the app, else undefined (a
 * browser). Its type comes from the preload's own implementation, so the two cannot drift.
 */
export const desktop = (): DesktopApi | undefined => (window as unknown as { latchkeyDesktop?: DesktopApi }).latchkeyDesktop;
