import type { LatchkeyConfig } from '../config/loadConfig.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';

type Smtp = NonNullable<LatchkeyConfig['smtp']>;
type Transport = { sendMail(mail: Record<string, unknown>): Promise<unknown> };

const transports = new WeakMap<Smtp, Transport>();

/**
 * Sends the sign-in link through the SMTP server in config.json, with nodemailer (loaded on
 * first use: most installs never send mail). A failure is told plainly, without the
 * server's own words, which may carry addresses or credentials from the URL.
 */
export async function sendSignInMail(smtp: Smtp, mail: { to: string; host: string; link: string; from: string; browser: string; ip: string }) {
  let transport = transports.get(smtp);
  if (!transport) {
    const nodemailer = await import('nodemailer');
    transport = nodemailer.createTransport(smtp.url) as unknown as Transport;
    transports.set(smtp, transport);
  }
  try {
    await transport.sendMail({
      from: smtp.from,
      to: mail.to,
      subject: `Sign in to Latchkey on ${mail.host}`,
      text: [
        `Someone (hopefully you) asked to sign in to Latchkey on ${mail.host}`,
        `from ${mail.browser} at ${mail.ip}.`,
        '',
        'To sign in, open this link in that same browser within 10 minutes:',
        '',
        mail.link,
        '',
        'It works once. If this was not you, ignore this mail: nothing happens unless the link is opened in the browser that asked, and a new browser still needs approval on your computer.',
      ].join('\n'),
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new LatchkeyError('mail_not_sent', `The sign-in mail could not be sent${code ? ` (${code})` : ''}. Check "smtp" in config.json on the computer, or use another way.`, 424);
  }
}
