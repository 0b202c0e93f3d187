import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { resolveHome, runningServer } from '../src-server/app/prepareHome.ts';
import { ClientError, createLatchkeyClient, resolveBaseUrl, type AuditEventView, type KeyView } from '../src-server/client/createLatchkeyClient.ts';
import { foldFailures } from '../src-server/audit/foldFailures.ts';
import { openBrowser } from '../src-server/client/openBrowser.ts';
import { loginWithBrowser, loginWithDeviceCode } from '../src-server/client/runCliLogin.ts';
import { removeTokenFile, resolveToken, tokenFilePath, writeTokenFile } from '../src-server/client/tokenFile.ts';
import { revealHidden } from '../src-server/text/revealHidden.ts';
import { localAppUrl } from '../src-server/apps/localAppUrl.ts';
import { formatTable } from './formatTable.ts';
import { createSecretFile, readApprovalCode, readPasswordTwice, readStdinLine } from './readSecret.ts';

const port = (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535');
  return Number(value);
};

/** Options every client command shares. */
function clientCommand(parent: Command, name: string, description: string) {
  return parent.command(name).description(description)
    .option('--json', 'print machine-readable JSON')
    .option('--home <dir>', 'find the server started with this data folder, through its server.lock (default: $LATCHKEY_HOME, else ~/.latchkey)')
    .option('--base-url <url>', 'the Latchkey server (default: $LATCHKEY_URL, else the one running on --home, found through its server.lock, else http://localhost:8787)')
    .option('--token <token>', 'bearer token (default: $LATCHKEY_API_TOKEN, else the file from: latchkey auth login)');
}

type ClientOpts = { json?: boolean; home?: string; baseUrl?: string; token?: string };
// Every text the CLI prints may hold names a stranger chose: hidden characters are shown as escapes, never sent to the terminal.
const warn = (line: string) => process.stderr.write(`latchkey: warning: ${revealHidden(line)}\n`);
// Without --base-url or LATCHKEY_URL, the server running on this home folder, on whatever port it took.
const client = (opts: ClientOpts) => createLatchkeyClient(resolveBaseUrl(opts.baseUrl, process.env, () => runningServer(resolveHome(opts.home))?.local),
  { token: resolveToken(opts.token)?.token, onWarning: warn });
/** "4 min 10 s" from the seconds left the server counted (its clock, not this one), or "expired". */
const expiresIn = (s: number) => (s <= 0 ? 'expired' : `${Math.floor(s / 60)} min ${s % 60} s`);
const scopeList = (value: string) => value.split(/[\s,]+/).filter(Boolean);
const print = (opts: ClientOpts, json: unknown, human: () => string) => {
  process.stdout.write(`${opts.json ? revealHidden(JSON.stringify(json, null, 2), 'json') : revealHidden(human())}\n`);
};

// Loaded on first use: only `tunnel start` and `fallback totp enable` draw a code.
// On a terminal, drawn with colours; piped or in a file, plain block characters (no escape codes to show as junk).
const qr = async (url: string) => (await import('qrcode')).default.toString(url, process.stdout.isTTY ? { type: 'terminal', small: true } : { type: 'utf8' });

/** The version in package.json, one folder up from both src-cli/ and the compiled dist-cli/. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** What bin/latchkey.mjs knows about how it runs: compiled, with a prebuilt renderer, or from the sources. */
export interface CliRuntime {
  /** dist-renderer/ when running the compiled build; unset from the sources (bundled in memory). */
  rendererDir?: string;
}
let runtime: CliRuntime = {};

const program = new Command('latchkey')
  .description('Passkey gate for reaching this computer from your phone through a tunnel.')
  .version(packageVersion(), '-V, --version', 'print the version')
  // Each command's options follow its own name (`share list --json` is list's, `share vite --name Bob` is share's).
  .enablePositionalOptions()
  // Usage errors are one line like every other error: "latchkey: option '--code <nn>' … (run with --help for usage)".
  .configureOutput({ outputError: (text, write) => write(`latchkey: ${text.trim().replace(/^error: /, '')} (run with --help for usage)\n`) });

program.command('serve').description('start the Latchkey server (local and remote listeners)')
  .option('--home <dir>', 'data folder (default: $LATCHKEY_HOME, else ~/.latchkey)')
  .addOption(new Option('--local-port <n>', 'local listener port, 0 = any free').argParser(port).default(8787))
  .addOption(new Option('--remote-port <n>', 'remote listener port (point tunnels here), 0 = any free').argParser(port).default(8788))
  .option('--upstream <url>', 'put one local app behind the gate at /, for this run, as it prints its address (e.g. http://localhost:5173)')
  .option('--json', 'print the listener URLs as one JSON line')
  .action(async (opts: { home?: string; localPort: number; remotePort: number; json?: boolean; upstream?: string }) => {
    // The server is loaded only here, so client commands start without it.
    const { createLatchkey } = await import('../src-server/app/createLatchkey.ts');
    const { createTerminalNotices } = await import('../src-server/notices/createTerminalNotices.ts');
    const { describePortHolder } = await import('../src-server/app/describePortHolder.ts');
    const home = resolveHome(opts.home);
    const lk = await createLatchkey({
      home, localPort: opts.localPort, remotePort: opts.remotePort, logger: true, upstream: opts.upstream, rendererDir: runtime.rendererDir,
    });
    if (!lk.services.config.require_auth) {
      process.stderr.write('\n!!! latchkey: require_auth is false: THE GATE IS OFF. Anyone who reaches the remote listener gets in. !!!\n\n');
    }
    const urls = await lk.listen().catch(async (err: NodeJS.ErrnoException & { port?: number }) => {
      await lk.close().catch(() => {});
      if (err.code !== 'EADDRINUSE') throw err;
      const which = err.port === opts.remotePort ? 'remote' : 'local';
      const holder = err.port ? describePortHolder(err.port) : null;
      throw Object.assign(new Error(`port ${err.port} (the ${which} listener) is in use${holder ? ` by ${holder}` : ''}. ` +
        `Stop that, or pick another port: latchkey serve --${which}-port N (0 = any free).`), { code: 'EADDRINUSE' });
    });
    // Client commands find this server through the home's server.lock; a home other than the default must be named.
    const clientFlags = home === resolveHome(undefined, {}) ? '' : `--home ${home}`;
    if (opts.json) process.stdout.write(`${JSON.stringify(urls)}\n`);
    else {
      process.stdout.write(`local: ${urls.local}\nremote: ${urls.remote}\n`);
      // On the computer an app opens on the IP origin; http://localhost:PORT is Latchkey's own (access/adminOrigins.ts).
      for (const app of lk.services.apps.list()) process.stdout.write(`app: ${app.name} at ${localAppUrl(urls.local, app) ?? (app.path || '/')} → ${app.upstream}\n`);
      if (clientFlags) process.stdout.write(`client commands find this server with ${clientFlags} (or LATCHKEY_HOME=${home})\n`);
    }
    // Headless, the terminal is where the person at the computer hears of a waiting device or an alert.
    const quiet = opts.json ? () => {} : createTerminalNotices(lk.services, (line) => process.stdout.write(`${line}\n`), clientFlags);
    const stop = () => {
      quiet();
      void lk.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

const devices = program.command('devices').description('trusted devices and pending approvals');
clientCommand(devices, 'list', 'list trusted devices (passkeys, and browsers trusted through a fallback)').action(async (opts: ClientOpts) => {
  const { devices: list } = await client(opts).devices();
  // A browser trusted through a fallback shows how: "browser (password)".
  const rows = list.map((d) => ({ ...d, kind: d.kind === 'browser' ? `browser (${String(d.method)})` : 'passkey' }));
  print(opts, list, () => formatTable(rows, ['id', 'name', 'kind', 'device_type', 'origin', 'fingerprint', 'created_at', 'last_used_at'], 'No trusted devices.'));
});
clientCommand(devices, 'pending', 'list devices waiting for approval (approve with the code each one shows)').action(async (opts: ClientOpts) => {
  const { pending } = await client(opts).pending();
  // No code column: the code is read off the requesting device, so approving means looking at it.
  const rows = pending.map((p) => ({ ...p, expires: expiresIn(Number(p.expires_in_s)) }));
  print(opts, pending, () => formatTable(rows, ['id', 'name', 'device_type', 'origin', 'fingerprint', 'ip', 'created_at', 'expires'], 'No device is waiting for approval.'));
});
const twoDigits = (value: string) => {
  if (!/^\d{2}$/.test(value)) throw new InvalidArgumentError('must be the two-digit code the device shows');
  return value;
};
clientCommand(devices, 'approve', 'approve a pending device: give the code it shows (--code), with or without its id')
  .argument('[id]', 'request id (see: devices pending); without it, --code picks the one request showing that code')
  .addOption(new Option('--code <nn>', 'the two-digit code the requesting device shows').argParser(twoDigits))
  .action(async (id: string | undefined, opts: ClientOpts & { code?: string }) => {
    let result: Record<string, unknown>;
    if (id === undefined) {
      if (!opts.code) throw new ClientError('code_required', 'give the code the device shows: latchkey devices approve --code NN (or an id: devices approve ID)');
      result = await client(opts).approveByCode(opts.code);
    } else {
      result = await client(opts).approve(id, opts.code ?? await readApprovalCode());
    }
    const device = result.device as { id: string; name: string };
    print(opts, result, () => `approved ${String(result.approved)}: device ${device.id} (${device.name})`);
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

const apps = program.command('apps').description('local web apps behind the gate (a dev server, Jupyter, Home Assistant…)');
const appColumns = ['name', 'path', 'upstream', 'health', 'origins'];
clientCommand(apps, 'list', 'list the apps and whether each is up').action(async (opts: ClientOpts) => {
  const { apps: list } = await client(opts).apps();
  print(opts, list, () => formatTable(list.map((a) => ({ ...a, origins: a.origins?.join(',') ?? 'all' })), appColumns,
    'No apps yet. Put one behind the gate with: latchkey apps add NAME http://127.0.0.1:PORT'));
});
clientCommand(apps, 'add', 'put a local app behind the gate (on the computer only)')
  .argument('<name>', 'a short name, e.g. vite').argument('<url>', 'where the app listens, as it prints it, e.g. http://localhost:5173')
  .option('--path <prefix>', 'serve it under this path prefix (default /; the longest prefix wins)')
  .action(async (name: string, url: string, opts: ClientOpts & { path?: string }) => {
    const { app } = await client(opts).addApp({ name, upstream: url, path: opts.path });
    print(opts, app, () => `added ${app.name}: ${app.path} → ${app.upstream} (${app.health === 'up' ? 'up' : 'not answering yet: start it'})`);
  });
clientCommand(apps, 'remove', 'take an app from behind the gate').argument('<name>', 'an app from: apps list')
  .action(async (name: string, opts: ClientOpts) => {
    const result = await client(opts).removeApp(name);
    print(opts, result, () => `removed ${result.removed}`);
  });

const fallback = program.command('fallback').description('sign-in fallbacks for when a passkey is not at hand (change them on the computer only)');
const METHODS = ['backup-code', 'totp', 'password', 'email'];
const ago = (iso: string | null) => (iso ? `last used ${iso}` : 'never used');
clientCommand(fallback, 'status', 'which fallbacks are on, backup codes left, and when each was last used').action(async (opts: ClientOpts) => {
  const st = await client(opts).fallbacks();
  const onOff = (on: boolean) => (on ? 'on ' : 'off');
  print(opts, st, () => [
    `backup codes   ${onOff(st.backup_codes.enabled)}  ${st.backup_codes.enabled ? `${st.backup_codes.left} of 10 left, ${ago(st.backup_codes.last_used_at)}` : 'latchkey fallback backup-codes'}`,
    `authenticator  ${onOff(st.totp.enabled)}  ${st.totp.enabled ? ago(st.totp.last_used_at) : st.totp.enrolling ? 'waiting for: latchkey fallback totp confirm CODE' : 'latchkey fallback totp enable'}`,
    `password       ${onOff(st.password.enabled)}  ${st.password.enabled ? `${st.password.with_totp ? 'with authenticator code, ' : ''}${ago(st.password.last_used_at)}` : 'latchkey fallback password set'}`,
    `email link     ${onOff(st.email.enabled)}  ${st.email.enabled ? `to ${st.email.address}, ${ago(st.email.last_used_at)}` : st.email.smtp_configured ? 'latchkey fallback email set ADDRESS' : 'needs "smtp" in config.json'}`,
  ].join('\n'));
});
clientCommand(fallback, 'backup-codes', 'make 10 new one-time backup codes (shown once; the old set stops working)')
  .option('--save <file>', 'also write them to this new file (mode 0600)')
  .action(async (opts: ClientOpts & { save?: string }) => {
    const file = opts.save ? createSecretFile(opts.save) : null;
    let result;
    try {
      result = await client(opts).backupCodes();
    } catch (err) {
      file?.discard();
      throw err;
    }
    const { codes, message } = result;
    file?.fill(`Latchkey backup codes (each works once)\n\n${codes.join('\n')}\n`);
    print(opts, { codes }, () => `${codes.map((c, i) => `${String(i + 1).padStart(2)}. ${c}`).join('\n')}\n\n${message}${opts.save ? `\nSaved to ${opts.save}.` : ''}`);
  });
const totp = fallback.command('totp').description('an authenticator app (TOTP) as a fallback');
clientCommand(totp, 'enable', 'show the otpauth:// URI and QR code to scan; then confirm with a code')
  .action(async (opts: ClientOpts) => {
    const { uri, secret } = await client(opts).totpEnable();
    print(opts, { uri, secret }, () => `${uri}\nOr type this key into the app: ${secret}`);
    if (!opts.json) process.stdout.write(`${await qr(uri)}Scan it with your authenticator app, then run: latchkey fallback totp confirm CODE\n`);
  });
clientCommand(totp, 'confirm', 'turn the authenticator app on by typing the code it shows now').argument('<code>', 'the 6-digit code')
  .action(async (code: string, opts: ClientOpts) => {
    const result = await client(opts).totpConfirm(code);
    print(opts, result, () => 'The authenticator app is on: its codes now sign you in (a new browser still needs approval here).');
  });
const password = fallback.command('password').description('a password as a fallback (at least 12 characters, not a common one)');
clientCommand(password, 'set', 'set the password, read without echo (or from stdin with --stdin)')
  .option('--stdin', 'read the password from standard input (first line)')
  .action(async (opts: ClientOpts & { stdin?: boolean }) => {
    const value = opts.stdin ? await readStdinLine() : await readPasswordTwice();
    const result = await client(opts).setPassword(value);
    print(opts, result, () => `The password is set${result.with_totp ? '; signing in with it also asks for an authenticator code' : ''}.`);
  });
const email = fallback.command('email').description('a sign-in link by mail (needs "smtp" in config.json)');
clientCommand(email, 'set', 'send sign-in links to this address').argument('<address>', 'e.g. alice@example.com')
  .action(async (address: string, opts: ClientOpts) => {
    const result = await client(opts).setEmail(address);
    print(opts, result, () => `Sign-in links will go to ${result.address}.`);
  });
clientCommand(fallback, 'disable', 'turn one fallback off and forget its secret')
  .addArgument(new Argument('<method>', 'which one').choices(METHODS))
  .action(async (method: string, opts: ClientOpts) => {
    const result = await client(opts).disableFallback(method);
    print(opts, result, () => `${method} is off.`);
  });

const outcomeChoice = new Option('--outcome <outcome>', 'only success, failure or info').choices(['success', 'failure', 'info']);
clientCommand(program, 'audit', 'the audit trail, newest first: who got in, who tried (Latchkey → Activity)')
  .option('--since <when>', 'only events since then: a duration back from now (1h, 7d) or an ISO time')
  .option('--until <when>', 'only events until then')
  .addOption(outcomeChoice)
  .option('--method <method>', 'one kind of event, e.g. passkey-login, token, fallback (every fallback)')
  .option('--device <id>', 'one device (see: devices list)')
  .option('--origin <origin>', 'one origin, e.g. https://box.alice.ts.net')
  .addOption(new Option('--limit <n>', 'how many events (default 50, at most 500)').argParser((v) => {
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 500) throw new InvalidArgumentError('must be a number from 1 to 500');
    return Number(v);
  }))
  .addOption(new Option('--before <seq>', 'older than this event number (the "more" hint gives it)').argParser((v) => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('must be an event number');
    return Number(v);
  }))
  .option('--follow', 'then print new events as they happen, until Ctrl-C')
  .action(async (opts: ClientOpts & { since?: string; until?: string; outcome?: string; method?: string; device?: string; origin?: string; limit?: number; before?: number; follow?: boolean }) => {
    const c = client(opts);
    const filter = { outcome: opts.outcome, method: opts.method, device: opts.device, origin: opts.origin };
    const page = await c.audit({ ...filter, since: opts.since, until: opts.until, limit: opts.limit, before: opts.before });
    const line = (e: AuditEventView, repeat = 1) => `${e.time}  ${e.outcome.padEnd(7)}  ${repeat > 1 ? `${repeat}× ` : ''}${e.text}`;
    if (!opts.follow) {
      const more = page.next_before ? `\n(more: latchkey audit --before ${page.next_before})` : '';
      const torn = page.skipped_lines ? `\n(${page.skipped_lines} damaged line${page.skipped_lines === 1 ? '' : 's'} skipped: a crash cut ${page.skipped_lines === 1 ? 'it' : 'them'} short)` : '';
      print(opts, page, () => (page.events.length ? foldFailures(page.events).map((e) => line(e, e.repeat)).join('\n') + more + torn : 'No events.'));
      return;
    }
    // Following: the latest page in time order, then each new event as it is written (JSON: one object per line).
    const show = (e: AuditEventView) => process.stdout.write(`${opts.json ? revealHidden(JSON.stringify(e), 'json') : revealHidden(line(e))}\n`);
    for (const e of [...page.events].reverse()) show(e);
    const last = page.events[0]?.seq ?? (await c.audit({ limit: 1 })).events[0]?.seq ?? 0;
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    process.once('SIGTERM', () => stop.abort());
    const matches = (e: AuditEventView) => (!filter.outcome || e.outcome === filter.outcome) && (!filter.device || e.device_id === filter.device) &&
      (!filter.origin || e.origin === filter.origin) && (!filter.method || e.method === filter.method || e.method.startsWith(`${filter.method}-`));
    for await (const e of c.followAudit(last, stop.signal)) if (matches(e)) show(e);
  });

const alerts = program.command('alerts').description('failure spikes and the webhook that hears about them');
clientCommand(alerts, 'list', 'alerts (newest first), and the webhook\'s recent deliveries').action(async (opts: ClientOpts) => {
  const a = await client(opts).alerts();
  print(opts, a, () => [
    a.alerts.length ? a.alerts.map((x) => `${x.id}  ${x.started_at}  ${x.acknowledged_at ? 'acknowledged' : 'NEW         '}  ${x.text}`).join('\n') : 'No alerts.',
    `thresholds: ${a.thresholds.failures_per_client} failures from one client or ${a.thresholds.failures_total} in all within ${a.thresholds.window_s / 60} min`,
    a.webhook.configured ? `webhook: ${a.webhook.url}${a.webhook.disabled ? ' (DISABLED: the receiver answered 410 Gone; change the URL and restart)' : ''}` : 'webhook: not configured',
    ...a.deliveries.slice(0, 10).map((d) => `  ${d.created_at}  ${d.type.padEnd(26)} ${d.state}${d.attempts.length ? ` after ${d.attempts.length} attempt${d.attempts.length === 1 ? '' : 's'} (last: ${d.attempts.at(-1)!.status ?? d.attempts.at(-1)!.error})` : ''}`),
  ].join('\n'));
});
clientCommand(alerts, 'ack', 'acknowledge an alert (its banner goes away)').argument('<id>', 'alert id (see: alerts list)')
  .action(async (id: string, opts: ClientOpts) => {
    const r = await client(opts).ackAlert(id);
    print(opts, r, () => `acknowledged ${id}`);
  });
clientCommand(alerts, 'test', 'send a signed test event to the webhook and print what the receiver answered').action(async (opts: ClientOpts) => {
  const r = await client(opts).alertsTest();
  print(opts, r, () => `${r.url}: ${r.status !== undefined ? `HTTP ${r.status}` : `not reached (${r.error})`}${r.delivered ? ', delivered' : ''}`);
  if (!r.delivered) process.exitCode = 1;
});

const auth = program.command('auth').description('sign the command line in with a passkey (bearer token)');
clientCommand(auth, 'login', 'sign in through the browser; saves a token for the other commands')
  .option('--no-browser', 'print a URL and a code to type on any browser instead (for SSH sessions)')
  .addOption(new Option('--scopes <list>', 'limit the token, e.g. api:read,devices:write (default: api:write)').argParser(scopeList))
  .action(async (opts: ClientOpts & { browser: boolean; scopes?: string[] }) => {
    const path = tokenFilePath();
    const c = createLatchkeyClient(resolveBaseUrl(opts.baseUrl), { onWarning: warn });
    const say = (line: string) => process.stderr.write(`${revealHidden(line)}\n`);
    const io = { say, clientHost: hostname(), scopes: opts.scopes };
    const result = opts.browser ? await loginWithBrowser(c, { ...io, openUrl: openBrowser }) : await loginWithDeviceCode(c, io);
    await writeTokenFile(path, result.access_token);
    const summary = { token_id: result.token_id, device: result.device, scopes: result.scope.split(' '), expires_at: result.expires_at, token_file: path };
    print(opts, summary, () => `Signed in as ${result.device.name} (${result.device.id}) with token ${result.token_id}, scopes ${result.scope}, expires ${result.expires_at}.\nToken saved to ${path}`);
  });
clientCommand(auth, 'whoami', 'show who the command line is signed in as').action(async (opts: ClientOpts) => {
  const me = await client(opts).whoami();
  const t = me.token as KeyView | null;
  const device = me.device as { id: string; name: string } | null;
  print(opts, me, () => (t
    ? `${device ? `${device.name} (${device.id})` : 'this computer'} via token ${t.id} (${t.kind === 'cli' ? 'CLI login' : `API key "${t.name}"`})\nscopes: ${t.scopes.join(', ')}\nexpires: ${t.expires_at}`
    : `not using a token: signed in via ${me.via}${device ? ` as ${device.name} (${device.id})` : ''}`));
});
clientCommand(auth, 'logout', 'revoke the token on the server and delete the token file').action(async (opts: ClientOpts) => {
  const found = resolveToken(opts.token);
  if (!found) throw new ClientError('not_signed_in', `not signed in: no --token, no LATCHKEY_API_TOKEN and no ${tokenFilePath()}`);
  const c = createLatchkeyClient(resolveBaseUrl(opts.baseUrl), { token: found.token });
  let line: string;
  try {
    const { revoked } = await c.revokeCurrentToken();
    line = `revoked token ${revoked} on the server`;
  } catch (err) {
    // A token the server already refuses is dead: forgetting it locally loses nothing. Anything else (unreachable) keeps the file.
    if (!(err instanceof ClientError && err.code === 'invalid_token')) throw err;
    line = `the server already refuses this token (${String(err.body.reason ?? err.code)})`;
  }
  if (found.source === 'file' && found.path && removeTokenFile(found.path)) line += `; removed ${found.path}`;
  else if (found.source !== 'file') line += `; the token came from ${found.source === 'flag' ? '--token' : 'LATCHKEY_API_TOKEN'}, so no file was removed`;
  print(opts, { logged_out: true }, () => line);
});

const keys = program.command('keys').description('API keys for scripts and agents');
const keyColumns = ['id', 'kind', 'name', 'scopes', 'apps', 'status', 'expires_at', 'last_used_at'];
// A key with no app: scope opens no app (older keys included): say so rather than leave the column blank.
const keyRows = (list: KeyView[]) => list.map((k) => ({ ...k, scopes: k.scopes.join(','), apps: k.apps?.length ? k.apps.join(',') : 'none' }));
clientCommand(keys, 'list', 'list API keys and CLI logins').option('--all', 'include revoked and expired ones')
  .action(async (opts: ClientOpts & { all?: boolean }) => {
    const { keys: list } = await client(opts).keys(opts.all);
    print(opts, list, () => {
      const warnings = list.filter((k) => k.status === 'expiring').map((k) =>
        `warning: ${k.id} (${k.name}) expires in ${k.expires_in_days} day${k.expires_in_days === 1 ? '' : 's'} (${k.expires_at}); ${k.kind === 'cli' ? 'sign in again: latchkey auth login' : `rotate it: latchkey keys rotate ${k.id}`}`);
      return [formatTable(keyRows(list), keyColumns, 'No API keys. Create one with: latchkey keys create --name NAME'), ...warnings].join('\n');
    });
  });
clientCommand(keys, 'create', 'create an API key (the secret is shown once)')
  .requiredOption('--name <name>', 'what the key is for, e.g. "backup script"')
  .addOption(new Option('--scopes <list>', 'comma-separated, e.g. api:read,devices:write,path:/api/devices (default: api:read)').argParser(scopeList))
  .option('--expires <duration>', 'lifetime, e.g. 30d or 12h (default and maximum: 1 year)')
  .action(async (opts: ClientOpts & { name: string; scopes?: string[]; expires?: string }) => {
    const result = await client(opts).createKey({ name: opts.name, scopes: opts.scopes, expires_in: opts.expires });
    print(opts, result, () => `created ${result.key.id} (${result.key.name}), scopes ${result.key.scopes.join(',')}, expires ${result.key.expires_at}\n` +
      `${result.secret}\nStore this secret now: it is not shown again.`);
  });
clientCommand(keys, 'rotate', 'give a key a new secret; the old one works for a grace period').argument('<id>', 'key id (see: keys list)')
  .option('--grace <duration>', 'how long the old secret keeps working, e.g. 1h, 0 for not at all (default: 24h)')
  .action(async (id: string, opts: ClientOpts & { grace?: string }) => {
    const result = await client(opts).rotateKey(id, opts.grace);
    print(opts, result, () => `rotated ${id}; new expiry ${result.key.expires_at}\n${result.secret}\nStore this secret now: it is not shown again.\n` +
      (result.previous_valid_until ? `The old secret keeps working until ${result.previous_valid_until}.` : 'The old secret stopped working now.'));
  });
clientCommand(keys, 'revoke', 'revoke a key or CLI login at once').argument('<id>', 'key id (see: keys list)')
  .action(async (id: string, opts: ClientOpts) => {
    const result = await client(opts).revokeKey(id);
    print(opts, result, () => `revoked ${id}`);
  });

// `latchkey share APP --name Bob` makes a share; list, link and revoke manage them (an app named like one of those: share create APP).
const makeShare = async (app: string, opts: ClientOpts & { name?: string; expires?: string; from?: string }) => {
  if (!opts.name) throw new ClientError('name_required', 'say who it is for: latchkey share APP --name NAME');
  const result = await client(opts).createShare({ app, name: opts.name, from: opts.from, expires_in: opts.expires });
  const code = opts.json ? '' : await qr(result.link);
  print(opts, result, () => `shared ${app} with ${result.share.name} until ${result.share.expires_at} (${result.share.id})
` +
    `Send this link (it works once, in one browser, and expires ${result.share.link?.expires_at} if unused):
${result.link}
${code}` +
    `When they open it and set up a passkey, approve their device here: latchkey devices approve --code NN (the code their screen shows).`);
};
const shareOptions = (cmd: Command) => cmd
  .option('--name <name>', 'who it is for, as the approval and their page show it, e.g. "Bob" (required)')
  .option('--expires <duration>', 'how long the share lasts, e.g. 2h or 7d (default: 24h; 5 minutes to 30 days)')
  .option('--from <name>', 'who shares, as their page says it (default: this computer\'s user name)');
const share = shareOptions(clientCommand(program, 'share', 'share one app with another person until a time; they pair and you approve them here')
  .argument('[app]', 'the app to share (see: latchkey apps list)'));
share.action(async (app: string | undefined, opts: ClientOpts & { name?: string; expires?: string; from?: string }) => {
    if (!app) throw new ClientError('app_required', 'name the app to share: latchkey share APP --name NAME (see: latchkey apps list)');
    await makeShare(app, opts);
  });
shareOptions(clientCommand(share, 'create', 'share an app (the same as: latchkey share APP)').argument('<app>', 'the app to share'))
  .action(makeShare);
const shareColumns = ['id', 'app', 'name', 'status', 'expires_at', 'devices', 'link'];
clientCommand(share, 'list', 'list shares, live and ended')
  .action(async (opts: ClientOpts) => {
    const { shares: list } = await client(opts).shares();
    print(opts, list, () => formatTable(list.map((s) => ({ ...s, devices: s.devices.map((d) => d.name ?? d.id).join(',') || 'none', link: s.link?.state ?? 'none' })),
      shareColumns, 'No shares. Share an app with: latchkey share APP --name NAME'));
  });
clientCommand(share, 'link', 'a new invitation link for a share (their second device); the old link stops working').argument('<id>', 'share id (see: share list)')
  .action(async (shareId: string, opts: ClientOpts) => {
    const result = await client(opts).relinkShare(shareId);
    const code = opts.json ? '' : await qr(result.link);
    print(opts, result, () => `new link for ${result.share.app} with ${result.share.name}:
${result.link}
${code}`);
  });
clientCommand(share, 'revoke', 'end a share now: its guest is refused from the next request on').argument('<id>', 'share id (see: share list)')
  .action(async (shareId: string, opts: ClientOpts) => {
    const result = await client(opts).revokeShare(shareId);
    print(opts, result, () => `revoked ${shareId}: ${result.share.name} no longer reaches ${result.share.app}`);
  });
const clients = program.command('clients').description('agents (MCP clients) allowed through OAuth, each for one app');
clientCommand(clients, 'list', 'list agents: what each may reach, who allowed it, and any waiting for this computer')
  .action(async (opts: ClientOpts) => {
    const [{ clients: list }, { waiting }] = await Promise.all([client(opts).agents(), client(opts).waitingAgents().catch(() => ({ waiting: [] }))]);
    const rows = list.map((c) => ({ ...c, redirect_hosts: c.redirect_hosts.join(','), resources: c.resources.join(',') || 'nothing (not allowed)', granted_by: c.granted_by.join(',') }));
    print(opts, { clients: list, waiting }, () => [
      formatTable(rows, ['id', 'name', 'redirect_hosts', 'resources', 'granted_by', 'registered_at'], 'No agents. An MCP client registers itself when it first connects to an MCP app.'),
      ...waiting.map((w) => `waiting: ${w.client_name} (returns to ${w.redirect_host}) for ${w.app}, allowed on ${w.device_name}: latchkey clients approve ${w.uid} --code NN`),
    ].join('\n'));
  });
clientCommand(clients, 'approve', 'allow an agent a phone allowed: type the code the phone shows').argument('<uid>', 'the waiting request (see: clients list)')
  .addOption(new Option('--code <nn>', 'the two-digit code the phone shows').argParser(twoDigits))
  .action(async (uid: string, opts: ClientOpts & { code?: string }) => {
    const result = await client(opts).approveAgent(uid, opts.code ?? await readApprovalCode());
    print(opts, result, () => `approved ${uid}: the agent is signed in`);
  });
clientCommand(clients, 'approval', 'whether an agent allowed from a phone must also be approved here, by typing the code the phone shows (on by default)')
  .addArgument(new Argument('<state>', 'on or off').choices(['on', 'off']))
  .action(async (state: string, opts: ClientOpts) => {
    const result = await client(opts).setApproveNewAgents(state === 'on');
    print(opts, result, () => (result.approve_new_agents === 'from_phone'
      ? 'an agent allowed from a phone waits until this computer types the code the phone shows'
      : 'an agent allowed from a phone (after its passkey step-up) is allowed at once'));
  });
clientCommand(clients, 'revoke', 'revoke an agent: its tokens are refused from the next request on').argument('<id>', 'client id (see: clients list)')
  .action(async (clientId: string, opts: ClientOpts) => {
    const result = await client(opts).revokeAgent(clientId);
    print(opts, result, () => `revoked ${clientId}`);
  });
clientCommand(devices, 'approvers', 'whether passkey devices may approve new devices from the admin origin (off by default)')
  .addArgument(new Argument('<state>', 'on or off').choices(['on', 'off']))
  .action(async (state: string, opts: ClientOpts) => {
    const result = await client(opts).setApproveFromDevices(state === 'on');
    print(opts, result, () => (result.approve_from_devices
      ? 'passkey devices may now approve new devices (each approval: the code, and a passkey check); this computer is told of each'
      : 'only this computer approves new devices'));
  });

const tunnel = program.command('tunnel').description('reach Latchkey from your phone: Tailscale Serve/Funnel or cloudflared');
clientCommand(tunnel, 'start', 'start a tunnel to the remote listener and allow its URL')
  .argument('<tool>', 'tailscale or cloudflared')
  .option('--funnel', 'tailscale: Funnel (reachable from the internet) instead of Serve (your tailnet only)')
  .option('--name <tunnel>', 'cloudflared: a named tunnel you created (default: a quick tunnel with a random URL)')
  .option('--hostname <url>', 'cloudflared: the https hostname routed to the named tunnel')
  .option('--no-qr', 'do not print the QR code')
  .action(async (tool: string, opts: ClientOpts & { funnel?: boolean; name?: string; hostname?: string; qr: boolean }) => {
    if (tool !== 'tailscale' && tool !== 'cloudflared') throw new ClientError('invalid_tool', `unknown tunnel tool "${tool}": use tailscale or cloudflared`);
    const r = await client(opts).tunnelStart({ tool, funnel: opts.funnel, name: opts.name, hostname: opts.hostname });
    print(opts, r, () => `${r.tool} (${r.mode}) is up: ${r.url}${r.added_origin ? ' (added to public_origins)' : ''}` +
      (r.admin_url ? `\nsettings: ${r.admin_url} (admin_origin: manage Latchkey from a phone there; no app is served on it)` : '') +
      (r.admin_problem ? `\nno admin origin: ${r.admin_problem}` : ''));
    // The QR code is drawn with terminal escapes of its own, so it is written as it is, after the checked text.
    if (opts.qr && !opts.json) process.stdout.write(`${await qr(r.url)}Scan it with your phone's camera.\n`);
  });
clientCommand(tunnel, 'status', 'the running tunnel, and which tools are installed').action(async (opts: ClientOpts) => {
  const st = await client(opts).tunnelStatus();
  const tools = Object.entries(st.tools).map(([name, t]) => `${name}: ${t.installed ? t.version ?? 'installed' : 'not installed'}`).join('\n');
  print(opts, st, () => [
    st.tunnel ? `running: ${st.tunnel.tool} (${st.tunnel.mode}) at ${st.tunnel.url} since ${st.tunnel.started_at}` : 'no tunnel running',
    ...(st.last_end ? [`last tunnel ended: ${st.last_end}`] : []),
    tools,
    ...(Object.values(st.tools).some((t) => t.installed) ? [] : [`To use another tunnel, point it at http://127.0.0.1:${st.remote_port} (the remote listener) and run: latchkey origins add https://YOUR-HOST`]),
  ].join('\n'));
});
clientCommand(tunnel, 'stop', 'stop the tunnel and remove what Latchkey added').action(async (opts: ClientOpts) => {
  const r = await client(opts).tunnelStop();
  print(opts, r, () => `stopped ${r.stopped}${r.removed_origin ? '; removed it from public_origins' : ''}`);
});

export async function runCli(argv: string[], how: CliRuntime = {}) {
  runtime = how;
  try {
    await program.parseAsync(argv);
  } catch (err) {
    reportError(err);
  }
}

function reportError(err: unknown) {
  // One line, no stack: coded errors from the server or start-up, or an unexpected one.
  const e = err as Error & { code?: string };
  const known = err instanceof ClientError || ['config_invalid', 'home_locked', 'home_unsafe', 'EADDRINUSE', 'EACCES'].includes(e.code ?? '');
  process.stderr.write(`latchkey: ${revealHidden(known ? e.message : `unexpected error: ${e.message}`)}\n`);
  process.exit(1);
}
