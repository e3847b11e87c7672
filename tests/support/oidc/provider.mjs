// A real OpenID Connect provider for the end-to-end tests: npm oidc-provider (a certified
// implementation) with its development login and consent pages, in memory.
//
//   node tests/support/oidc/provider.mjs
//
// Environment: OIDC_PORT (the issuer is http://127.0.0.1:OIDC_PORT), OIDC_CLIENT_ID,
// OIDC_CLIENT_SECRET, OIDC_REDIRECT_URIS (comma-separated: the SPA's callback pages). The
// module comes from .tools/node_modules (scripts/setup.sh oidc), or NODE_PATH-like OIDC_MODULE.
//
// Accounts: any login is accepted with any password. A login with an @ is its own email, any
// other gets @example.com; the email is verified unless the login starts with "unverified".
// Prints "ready <issuer>" when it listens.
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const module = process.env.OIDC_MODULE
  || path.join(here, '../../../.tools/node_modules/oidc-provider/lib/index.js');
const { default: Provider } = await import(pathToFileURL(module).href);

const port = Number(process.env.OIDC_PORT || 9400);
const issuer = `http://127.0.0.1:${port}`;

function account(login) {
  const email = (login.includes('@') ? login : `${login}@example.com`).toLowerCase();
  return {
    accountId: login,
    async claims() {
      return {
        sub: login,
        email,
        email_verified: !login.startsWith('unverified'),
        name: `Test ${login.split('@')[0]}`,
      };
    },
  };
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID || 'djoser-e2e',
    client_secret: process.env.OIDC_CLIENT_SECRET || 'djoser-e2e-secret',
    redirect_uris: (process.env.OIDC_REDIRECT_URIS || 'http://127.0.0.1:8080/oauth-callback/oidc')
      .split(',').map((uri) => uri.trim()).filter(Boolean),
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  findAccount: (ctx, sub) => account(sub),
  features: { devInteractions: { enabled: true } },
  // The provider's own cookies: throwaway keys, plain http on 127.0.0.1.
  cookies: { keys: ['e2e-only-cookie-key'] },
  pkce: { required: () => false },
});
provider.proxy = false;

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
