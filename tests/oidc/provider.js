// A loopback OpenID Connect provider for the single sign-on browser test (tests/e2e/test_single_sign_on_browser.py).
// Usage: node provider.js PORT REDIRECT_URI
// One confidential client (novamind-test / novamind-test-secret). Any login name signs in (the library's development
// login and consent pages); the account's claims come from ACCOUNTS below, so the test knows the groups it maps.
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 8801);
const redirectUri = process.argv[3] || 'http://127.0.0.1:8802/oauth2callback';

const ACCOUNTS = {
  'jane.doe': { name: 'Jane Doe', email: 'jane.doe@hospital.example', groups: ['staff', 'nm-clinicians'] },
  'new.starter': { name: 'New Starter', email: 'new.starter@hospital.example', groups: ['staff'] },
};

const configuration = {
  clients: [{
    client_id: 'novamind-test',
    client_secret: 'novamind-test-secret',
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id] || { name: id, email: `${id}@hospital.example`, groups: [] };
    return {
      accountId: id,
      async claims() {
        return { sub: `sub-${id}`, preferred_username: id, ...account };
      },
    };
  },
  claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'groups'], email: ['email'] },
  conformIdTokenClaims: false, // put the profile claims in the ID token (st.login reads the ID token's claims)
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['novamind-loopback-test-only'] },
};

const provider = new Provider(`http://127.0.0.1:${port}`, configuration);
provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on http://127.0.0.1:${port}`);
});
