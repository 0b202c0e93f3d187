/** What starting a tunnel gives back: its public https URL, and how to undo exactly what was started. */
export interface TunnelHandle {
  url: string;
  stop(): Promise<void>;
  /** Called if the tunnel ends by itself (the tool exits); not after stop(). */
  onEnd(listener: (reason: string) => void): void;
}

export interface StartRequest {
  /** The remote listener's port: tunnels always point here, never at the local one. */
  port: number;
  /** tailscale: Funnel (public internet) instead of Serve (tailnet only). */
  funnel?: boolean;
  /** tailscale: the HTTPS port to serve on (443 unless a second origin is wanted, such as Latchkey's admin origin). */
  httpsPort?: number;
  /** cloudflared: a named tunnel the user configured, and the hostname routed to it. */
  name?: string;
  hostname?: string;
}

export interface TunnelAdapter {
  tool: 'tailscale' | 'cloudflared';
  detect(): Promise<{ installed: boolean; version?: string }>;
  start(request: StartRequest): Promise<TunnelHandle>;
}
