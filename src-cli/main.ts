import { Command, InvalidArgumentError, Option } from 'commander';
import { createLatchkey } from '../src-server/app/createLatchkey.ts';
import { resolveHome } from '../src-server/app/prepareHome.ts';
import { ClientError, createLatchkeyClient, resolveBaseUrl } from '../src-server/client/createLatchkeyClient.ts';
import { formatTable } from './formatTable.ts';

const port = (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535');
  return Number(value);
};

/** Options every client command shares. */
function clientCommand(parent: Command, name: string, description: string) {
  return parent.command(name).description(description)
    .option('--json', 'print machine-readable JSON')
    .option('--base-url <url>', 'the Latchkey server (default: $LATCHKEY_URL, else http://localhost:8787)');
}

type ClientOpts = { json?: boolean; baseUrl?: string };
const client = (opts: ClientOpts) => createLatchkeyClient(resolveBaseUrl(opts.baseUrl));
const print = (opts: ClientOpts, json: unknown, human: () => string) => {
  process.stdout.write(`${opts.json ? JSON.stringify(json, null, 2) : human()}\n`);
};

const program = new Command('latchkey')
  .description('Passkey gate for reaching this computer from your phone through a tunnel.')
  .showHelpAfterError('(run with --help for usage)');

program.command('serve').description('start the Latchkey server (local and remote listeners)')
  .option('--home <dir>', 'data folder (default: $LATCHKEY_HOME, else ~/.latchkey)')
  .addOption(new Option('--local-port <n>', 'local listener port, 0 = any free').argParser(port).default(8787))
  .addOption(new Option('--remote-port <n>', 'remote listener port (point tunnels here), 0 = any free').argParser(port).default(8788))
  .option('--json', 'print the listener URLs as one JSON line')
  .action(async (opts: { home?: string; localPort: number; remotePort: number; json?: boolean }) => {
    const lk = await createLatchkey({ home: resolveHome(opts.home), localPort: opts.localPort, remotePort: opts.remotePort, logger: true });
    if (!lk.services.config.require_auth) {
      process.stderr.write('\n!!! latchkey: require_auth is false: THE GATE IS OFF. Anyone who reaches the remote listener gets in. !!!\n\n');
    }
    const urls = await lk.listen();
    if (opts.json) process.stdout.write(`${JSON.stringify(urls)}\n`);
    else process.stdout.write(`local: ${urls.local}\nremote: ${urls.remote}\n`);
    const stop = () => void lk.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

const devices = program.command('devices').description('trusted devices and pending approvals');
clientCommand(devices, 'list', 'list trusted devices (passkeys)').action(async (opts: ClientOpts) => {
  const { devices: list } = await client(opts).devices();
  print(opts, list, () => formatTable(list, ['id', 'name', 'device_type', 'origin', 'fingerprint', 'created_at', 'last_used_at'], 'No trusted devices.'));
});
clientCommand(devices, 'pending', 'list devices waiting for approval').action(async (opts: ClientOpts) => {
  const { pending } = await client(opts).pending();
  print(opts, pending, () => formatTable(pending, ['id', 'code', 'name', 'device_type', 'origin', 'fingerprint', 'ip', 'created_at'], 'No device is waiting for approval.'));
});
clientCommand(devices, 'approve', 'approve a pending device').argument('<id>', 'request id (see: devices pending)')
  .action(async (id: string, opts: ClientOpts) => {
    const result = await client(opts).approve(id);
    print(opts, result, () => `approved ${id}: device ${(result.device as { id: string; name: string }).id} (${(result.device as { name: string }).name})`);
  });
clientCommand(devices, 'deny', 'deny a pending device').argument('<id>', 'request id (see: devices pending)')
  .action(async (id: string, opts: ClientOpts) => {
    const result = await client(opts).deny(id);
    print(opts, result, () => `denied ${id}`);
  });
clientCommand(devices, 'revoke', 'revoke a trusted device; its sessions end at once').argument('<id>', 'device id (see: devices list)')
  .action(async (id: string, opts: ClientOpts) => {
    const result = await client(opts).revoke(id);
    print(opts, result, () => `revoked ${id}`);
  });

const origins = program.command('origins').description('https origins the remote listener answers for');
clientCommand(origins, 'list', 'list allowed origins').action(async (opts: ClientOpts) => {
  const { origins: list } = await client(opts).origins();
  print(opts, list, () => (list.length ? list.join('\n') : 'No public origins yet. Add your tunnel URL with: latchkey origins add https://HOST'));
});
clientCommand(origins, 'add', 'allow an origin (your tunnel URL)').argument('<url>', 'e.g. https://box.alice.ts.net')
  .action(async (url: string, opts: ClientOpts) => {
    const result = await client(opts).addOrigin(url);
    print(opts, result, () => (result.added ? `added ${result.origin}` : `${result.origin} was already allowed`));
  });
clientCommand(origins, 'remove', 'stop answering for an origin').argument('<url>', 'an origin from: origins list')
  .action(async (url: string, opts: ClientOpts) => {
    const result = await client(opts).removeOrigin(url);
    print(opts, result, () => `removed ${result.origin}`);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // One line, no stack: coded errors from the server or start-up, or an unexpected one.
  const e = err as Error & { code?: string };
  const known = err instanceof ClientError || ['config_invalid', 'home_locked', 'EADDRINUSE', 'EACCES'].includes(e.code ?? '');
  process.stderr.write(`latchkey: ${known ? e.message : `unexpected error: ${e.message}`}\n`);
  process.exit(1);
}
