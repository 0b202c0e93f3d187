import { useEffect, useState } from 'react';
import { api } from '../api.ts';

/** The address to open on the phone, with Copy and its QR code (the tunnel's, or drawn by the server for an allowed origin). */
export function PhoneAddress({ url, qr: given }: { url: string; qr?: string }) {
  const [qr, setQr] = useState<string | null>(given ?? null);
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    setCopied(false);
    if (given) return setQr(given);
    void api<{ qr: string }>(`/api/origins/qr?origin=${encodeURIComponent(url)}`).then((r) => setQr(r.qr), () => setQr(null));
  }, [url, given]);
  const copy = () => void navigator.clipboard.writeText(url).then(() => setCopied(true), () => setCopied(false));
  return (
    <>
      <p className="phone-url"><strong data-testid="tunnel-url">{url}</strong></p>
      <button type="button" onClick={copy}>{copied ? 'Copied' : 'Copy'}</button>
      {qr && <img className="qr" src={qr} width={256} height={256} alt={`QR code for ${url}`} />}
    </>
  );
}
