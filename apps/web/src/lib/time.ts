/** "4 min 12 s", "1 h 3 min", "12 s": precise enough to watch a token run out. */
function formatDuration(milliseconds: number): string {
  const seconds = Math.floor(Math.abs(milliseconds) / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${rest} s`;
  return `${rest} s`;
}

/** "in 4 min 12 s" for a future moment, "12 s ago" for a past one. */
export function formatRelative(at: number, now: number): string {
  // The page's clock ticks once a second, so a token issued a moment ago must not read "in 0 s".
  if (Math.abs(at - now) < 1000) return 'just now';
  return at > now ? `in ${formatDuration(at - now)}` : `${formatDuration(now - at)} ago`;
}

export function formatClock(at: number): string {
  return new Date(at).toLocaleTimeString();
}

export function formatDate(at: number): string {
  return new Date(at).toLocaleString();
}
