import { act, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeJwt } from '../../../test/fake-api';
import { TokenInspector } from './TokenInspector';

const NOW = new Date('2026-03-01T12:00:00Z').getTime();
const iat = NOW / 1000;
const claims = { iss: 'jwt-lab', aud: 'jwt-lab-api', sub: 'user-1', iat, exp: iat + 252, jti: 'jti-1', sid: 'sid-1' };
const token = makeJwt({ alg: 'ES256', typ: 'at+jwt', kid: 'key-1' }, claims, 'c2lnbmVk');

const inspector = () => screen.getByRole('region', { name: 'Token inspector' });

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
});
afterEach(() => {
  vi.useRealTimers();
});

/** The line of a decoded header field or claim, "name: value", and the note that explains it. */
function field(region: HTMLElement, name: string) {
  const line = [...region.querySelectorAll('dl.fields > div')].find((entry) => entry.querySelector('dt > code')?.textContent === name);
  return { line: line?.querySelector('dt')?.textContent, note: line?.querySelector('dd')?.textContent };
}

describe('token inspector, header mode', () => {
  it('shows the three parts, the decoded header and claims, each explained', () => {
    render(
      <TokenInspector credential={{ expiresAt: claims.exp * 1000, accessToken: token }} tokenHome='localStorage["jwtlab.accessToken"]' readCookies={() => ''} serverClaims={null} nextRefreshAt={null} />,
    );
    const region = inspector();
    const [header, payload, signature] = token.split('.');
    expect(region.querySelector('.token .jwt-header')?.textContent).toBe(header);
    expect(region.querySelector('.token .jwt-payload')?.textContent).toBe(payload);
    expect(region.querySelector('.token .jwt-signature')?.textContent).toBe(signature);
    expect(field(region, 'alg').line).toBe('alg: ES256');
    expect(field(region, 'typ').line).toBe('typ: at+jwt');
    expect(field(region, 'sid').line).toBe('sid: sid-1');
    expect(field(region, 'aud').note).toMatch(/^Audience: the API the token is meant for/);
    expect(field(region, 'sid').note).toMatch(/^Session ID: the login this token belongs to/);
    expect(region.textContent).toContain(`localStorage["jwtlab.accessToken"]`);
    expect(region.textContent).toContain(`It is ${token.length} bytes`);
  });

  it('counts down to expiry every second and then shows the expired state', async () => {
    render(
      <TokenInspector credential={{ expiresAt: claims.exp * 1000, accessToken: token }} tokenHome='localStorage["jwtlab.accessToken"]' readCookies={() => ''} serverClaims={null} nextRefreshAt={null} />,
    );
    const countdown = () => inspector().querySelector('.countdown p')?.textContent;
    expect(countdown()).toMatch(/^Access token expires in 4 min 12 s/);
    expect(inspector().textContent).toContain('Silent refresh is off');

    await act(() => vi.advanceTimersByTimeAsync(12_000));
    expect(countdown()).toMatch(/^Access token expires in 4 min 0 s/);

    await act(() => vi.advanceTimersByTimeAsync(239_000));
    expect(countdown()).toMatch(/^Access token expires in 1 s/);

    await act(() => vi.advanceTimersByTimeAsync(4_000));
    expect(countdown()).toBe('Expired 3 s ago: the API now answers token_expired.');
    expect(inspector().querySelector('.countdown .expired')).not.toBeNull();
  });
});

describe('token inspector, cookie mode', () => {
  it('says that page scripts cannot read the token, shows document.cookie, and the claims the server reported', () => {
    document.cookie = 'theme=dark';
    render(
      <TokenInspector
        credential={{ expiresAt: NOW + 60_000, accessToken: null }}
        tokenHome="an HttpOnly cookie"
        readCookies={() => document.cookie}
        serverClaims={{ at: NOW, claims }}
        nextRefreshAt={NOW + 45_000}
      />,
    );
    const region = inspector();
    expect(within(region).getByText('Page scripts cannot read this token.').tagName).toBe('STRONG');
    expect(region.textContent).toContain('What document.cookie gives any script on this page: "theme=dark"');
    expect(field(region, 'sid').line).toBe('sid: sid-1');
    expect(region.textContent).toContain('Silent refresh in 45 s, once for all open tabs.');
    expect(region.querySelector('.token')).toBeNull();
    document.cookie = 'theme=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
  });
});

describe('token inspector, DPoP', () => {
  it("shows the token's cnf.jkt beside the thumbprint of the page's key, and whether they match", async () => {
    vi.useRealTimers();
    const bound = makeJwt({ alg: 'HS256', typ: 'at+jwt' }, { ...claims, cnf: { jkt: 'thumb-1' } });
    render(
      <TokenInspector
        credential={{ expiresAt: claims.exp * 1000, accessToken: bound }}
        tokenHome='localStorage["jwtlab.dpop.accessToken"]'
        readCookies={() => ''}
        keyThumbprint={async () => 'thumb-1'}
        serverClaims={null}
        nextRefreshAt={null}
      />,
    );
    const region = inspector();
    // The thumbprint is read from the key asynchronously: wait for it rather than for the line.
    await waitFor(() => expect(region.textContent).toContain("This page's key thumbprint: thumb-1"));
    const binding = within(region).getByRole('heading', { name: 'Key binding' }).nextElementSibling!;
    expect(binding.textContent).toContain("The token's cnf.jkt: thumb-1");
    expect(region.textContent).toContain('They match');
  });
});
