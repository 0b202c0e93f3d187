// Runs in every app window, sandboxed, with context isolation: the page gets exactly these
// named functions and never ipcRenderer itself.
import { contextBridge, ipcRenderer } from 'electron';
import { IPC } from './ipcChannels.ts';

export const latchkeyDesktop = {
  /** Closes the window this page is in (the approval window, once decided). */
  closeWindow: (): Promise<void> => ipcRenderer.invoke(IPC.closeWindow),
  /** Opens an https link in the system browser (the main process re-checks it). */
  openExternal: (url: string): Promise<void> => ipcRenderer.invoke(IPC.openExternal, String(url)),
};

contextBridge.exposeInMainWorld('latchkeyDesktop', latchkeyDesktop);
