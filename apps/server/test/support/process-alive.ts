/**
 * Whether the process `pid` still runs (EPERM: it does, as another user). Support code names what
 * it leaves behind (databases, namespaces) after its process, so that a later run removes only
 * the leftovers of runs that died.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
