// A short, human description of the device behind a User-Agent, for the sessions list
// ("Firefox on Linux", "curl"). Only this summary is stored, never the full header: it is enough
// to recognise one's own devices and says less about them.

const MAX_USER_AGENT_LENGTH = 512;

/** Most specific first: Edge and Opera also say "Chrome", Chrome also says "Safari". */
const BROWSERS: Array<[RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bHeadlessChrome\//, 'Headless Chrome'],
  [/\bChrome\/|\bCriOS\/|\bChromium\//, 'Chrome'],
  [/\bSafari\//, 'Safari'],
];

const SYSTEMS: Array<[RegExp, string]> = [
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bLinux\b/, 'Linux'],
];

/** Command-line and library clients name themselves first: `curl/8.5.0`, `node`, `python-requests/2.31`. */
const CLIENT = /^([A-Za-z][A-Za-z0-9._-]{0,31})(?:\/[0-9][^\s]*)?(?:\s|$)/;

export function describeDevice(userAgent: string | undefined): string {
  const header = (userAgent ?? '').slice(0, MAX_USER_AGENT_LENGTH).trim();
  if (header === '') return 'Unknown device';
  const browser = BROWSERS.find(([pattern]) => pattern.test(header))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(header))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  if (browser) return browser;
  if (header.startsWith('Mozilla/')) return system ? `Browser on ${system}` : 'Unknown browser';
  return CLIENT.exec(header)?.[1] ?? 'Unknown device';
}
