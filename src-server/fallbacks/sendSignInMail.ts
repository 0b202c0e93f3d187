import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { sendMail, type Smtp } from '../mail/sendMail.ts';

/** The sign-in link mail: which browser asked, from where, and what to do if it was not you. */
export async function sendSignInMail(smtp: Smtp, mail: { to: string; host: string; link: string; browser: string; ip: string }) {
  try {
    await sendMail(smtp, {
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
    if (!(err instanceof LatchkeyError)) throw err;
    throw new LatchkeyError(err.code, `${err.message.replace(/\.$/, '')}, or use another way to sign in.`, err.statusCode);
  }
}
