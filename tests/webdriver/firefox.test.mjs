// suite.mjs in Firefox ESR (Debian's package), headless, through geckodriver
// (the Makefile's test-e2e).
import { browserSuite } from "./suite.mjs";

browserSuite("firefox");
