import { useCallback, useEffect, useState } from 'react';
import { api, type Device } from './api.ts';

export type Message = { text: string; bad?: boolean } | null;

/**
 * The trusted-device list behind Settings → Privacy and Settings → Security, with the one
 * way to remove a device: ask first, delete, reload, and only then confirm (so the message
 * never shows next to a list that still has the device).
 */
export function useDeviceList() {
  const [devices, setDevices] = useState<Device[]>([]);
  const [message, setMessage] = useState<Message>(null);

  const load = useCallback(async () => {
    try {
      setDevices((await api<{ devices: Device[] }>('/api/devices')).devices);
    } catch (err) {
      setMessage({ text: (err as Error).message, bad: true });
    }
  }, []);
  useEffect(() => void load(), [load]);

  async function remove(device: Device, question: string, done: string) {
    if (!window.confirm(question)) return;
    try {
      await api(`/api/devices/${encodeURIComponent(device.id)}`, { method: 'DELETE' });
      await load();
      setMessage({ text: done });
    } catch (err) {
      setMessage({ text: (err as Error).message, bad: true });
    }
  }

  return { devices, message, setMessage, load, remove };
}
