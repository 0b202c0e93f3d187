/** Every IPC channel between the preload and the main process, in one place. */
export const IPC = {
  closeWindow: 'latchkey:close-window',
  openExternal: 'latchkey:open-external',
} as const;
