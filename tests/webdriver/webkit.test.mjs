// suite.mjs in WebKitGTK (the engine behind Safari): Debian's MiniBrowser
// through WebKitWebDriver, under `xvfb-run -a` (the Makefile's test-webkit).
import { browserSuite } from "./suite.mjs";

browserSuite("webkit");
