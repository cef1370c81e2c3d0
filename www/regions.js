// Providers whose keys belong to a region. For these the server's CSP allows
// the check's host in every region, not only the default one that the
// library's `providers()` names in `checkOrigin`. (<byok-keys> asks for the
// region in their rows; www/tests/e2e.test.mjs checks that its rows with a
// region field are exactly these.)
//
// Bedrock: the check goes to bedrock.<region>.amazonaws.com (docs/VERIFY.md).

export const REGIONAL_PROVIDERS = ['bedrock'];
