import type { LatchkeyConfig } from '../config/loadConfig.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';

export type Smtp = NonNullable<LatchkeyConfig['smtp']>;
type Transport = { sendMail(mail: Record<string, unknown>): Promise<unknown> };

const transports = new WeakMap<Smtp, Transport>();

/**
 * Sends one plain-text mail through the SMTP server in config.json, with nodemailer (loaded
 * on first use: most installs never send mail). A failure is told plainly, without the
 * server's own words, which may carry addresses or credentials from the URL.
 */
export async function sendMail(smtp: Smtp, mail: { to: string; subject: string; text: string }) {
  let transport = transports.get(smtp);
  if (!transport) {
    const nodemailer = await import('nodemailer');
    transport = nodemailer.createTransport(smtp.url) as unknown as Transport;
    transports.set(smtp, transport);
  }
  try {
    await transport.sendMail({ from: smtp.from, ...mail });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new LatchkeyError('mail_not_sent', `The mail could not be sent${code ? ` (${code})` : ''}. Check "smtp" in config.json on the computer.`, 424);
  }
}
