import { UAParser } from 'ua-parser-js';

export interface DeviceDescription {
  /** "iPhone", "Mac", "Windows PC", "Android phone", "Linux PC", … used as the default device name. */
  device_type: string;
  browser: string;
  os: string;
}

/** A best guess from the User-Agent; shown to the person approving, never used for a decision. */
export function describeUserAgent(ua: string | undefined): DeviceDescription {
  const r = new UAParser(ua ?? '').getResult();
  const os = r.os.name ?? '';
  const model = r.device.model ?? '';
  const kind = r.device.type;
  let device_type: string;
  if (model === 'iPhone' || os === 'iOS' && kind !== 'tablet') device_type = 'iPhone';
  else if (model === 'iPad' || os === 'iOS') device_type = 'iPad';
  else if (os === 'Mac OS' || os === 'macOS') device_type = 'Mac';
  else if (os === 'Android') device_type = kind === 'tablet' ? 'Android tablet' : 'Android phone';
  else if (os === 'Windows') device_type = 'Windows PC';
  else if (os === 'Chrome OS' || os === 'Chromium OS') device_type = 'Chromebook';
  else if (/linux|ubuntu|debian|fedora|arch/i.test(os)) device_type = 'Linux PC';
  else device_type = 'Unknown device';
  const browser = [r.browser.name, r.browser.major].filter(Boolean).join(' ') || 'Unknown browser';
  return { device_type, browser, os: [os, r.os.version].filter(Boolean).join(' ') || 'Unknown OS' };
}
