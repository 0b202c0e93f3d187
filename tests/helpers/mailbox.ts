import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './tunnel.ts';

/** A real SMTP server on loopback; every mail it receives, parsed (TESTING.md). */
export async function startMailbox() {
  const mails: Array<{ to: string; subject: string; text: string }> = [];
  const waiters: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        const to = Array.isArray(mail.to) ? mail.to[0]!.text : mail.to?.text ?? '';
        mails.push({ to, subject: mail.subject ?? '', text: mail.text ?? '' });
        for (const w of waiters.splice(0)) w();
        callback();
      }, callback);
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port, mails,
    async next(count: number) {
      while (mails.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return mails[count - 1]!;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
