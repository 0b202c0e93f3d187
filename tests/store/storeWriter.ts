// Child process for the crash test: appends passkeys through the real store, printing
// "ack ID" only after each write has been acknowledged (awaited), until it is killed.
import { openPasskeyStore } from '../../src-server/store/openPasskeyStore.ts';

const [home, prefix] = process.argv.slice(2) as [string, string];
const store = await openPasskeyStore(home, (m) => process.stderr.write(`${m}\n`));
for (let i = 0; ; i++) {
  const id = `${prefix}_${i}`;
  await store.add({
    id, credential_id: `cred_${id}`, public_key: 'pk'.repeat(40), name: `Device ${id}`, device_type: 'iPhone',
    origin: 'https://box.alice.ts.net', rp_id: 'alice.ts.net', fingerprint: '0000 0000 0000 0000',
    created_at: new Date().toISOString(), last_used_at: null, counter: 0, backup_eligible: true, backup_state: true,
    transports: ['internal'], aaguid: '00000000-0000-0000-0000-000000000000', enrolled_via: 'remote',
  });
  process.stdout.write(`ack ${id}\n`);
}
