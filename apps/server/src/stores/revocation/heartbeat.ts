/** One heartbeat: what to ping, and what to do when no answer comes within a beat. */
export interface HeartbeatProbe {
  ping: () => Promise<unknown>;
  onNoAnswer: () => void;
}

/**
 * A connection can die without a FIN (a cut cable, a frozen host): every `intervalMs`, `probe`
 * says what to ping (or nothing, when no view is trusted or no connection is up); a ping that
 * fails or gets no answer within `intervalMs` calls its `onNoAnswer`. One ping at a time.
 */
export function startHeartbeat(intervalMs: number, probe: () => HeartbeatProbe | undefined): NodeJS.Timeout {
  let inFlight = false;
  const heartbeat = setInterval(() => {
    if (inFlight) return;
    const beat = probe();
    if (!beat) return;
    inFlight = true;
    const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('heartbeat timed out')), intervalMs).unref());
    Promise.race([beat.ping(), deadline])
      .catch(() => beat.onNoAnswer())
      .finally(() => {
        inFlight = false;
      });
  }, intervalMs);
  heartbeat.unref();
  return heartbeat;
}
