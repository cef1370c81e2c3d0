// Providers whose keys belong to a region. For these the key form asks for
// the region (passed to the check as `verify.region`), and the server's CSP
// allows the check's host in every region, not only the default one that
// the library's `providers()` names in `checkOrigin`.
//
// Bedrock: the check goes to bedrock.<region>.amazonaws.com (docs/VERIFY.md).
// Shared by the page (key-form.js) and the server (server.mjs).

export const REGIONAL_PROVIDERS = ['bedrock'];
