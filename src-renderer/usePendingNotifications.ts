import { useEffect, useRef, useState } from 'react';
import type { Pending } from './api.ts';
import { lk } from '../src-server/web/latchkeyPaths.ts';

const ASKED = 'latchkey.notificationsAsked';

/**
 * A browser notification for each device that starts waiting, from any open Latchkey page on
 * the computer, so someone running `latchkey serve` without the desktop app hears of it. The
 * permission is asked for once, from a button (browsers want a user's gesture); a person who
 * says no is not asked again. Like the desktop's, the notification never shows the code.
 */
export function usePendingNotifications(pending: Pending[], enabled: boolean) {
  const supported = typeof Notification !== 'undefined';
  const [permission, setPermission] = useState<NotificationPermission | 'unsupported'>(supported ? Notification.permission : 'unsupported');
  const [asked, setAsked] = useState(() => localStorage.getItem(ASKED) === '1');
  const seen = useRef<Set<string> | null>(null);

  useEffect(() => {
    if (!enabled) return;
    // The requests already waiting when the page opened were announced before (or are on screen): only new ones notify.
    if (seen.current === null) {
      seen.current = new Set(pending.map((p) => p.id));
      return;
    }
    for (const p of pending) {
      if (seen.current.has(p.id)) continue;
      seen.current.add(p.id);
      if (permission !== 'granted') continue;
      const note = new Notification(`${new URL(p.origin).host} wants access`, {
        body: `${p.kind === 'browser' ? 'A new browser' : 'A new device'}: ${p.name} (${p.device_type}). Type the code it shows to approve.`,
        tag: p.id,
      });
      note.onclick = () => {
        window.focus();
        window.location.assign(lk('/pending'));
      };
    }
  }, [pending, enabled, permission]);

  async function ask() {
    localStorage.setItem(ASKED, '1');
    setAsked(true);
    if (supported) setPermission(await Notification.requestPermission());
  }

  return { offer: enabled && supported && permission === 'default' && !asked, permission, ask, dismiss: () => { localStorage.setItem(ASKED, '1'); setAsked(true); } };
}
