// A plain webpack 5 production build: no loader or experiment is needed for
// byok-keyring; webpack emits the .wasm as an asset from the glue's
// `new URL("byok_keyring_bg.wasm", import.meta.url)`.
import { fileURLToPath } from "node:url";

/** Emits dist/index.html loading the entry's scripts (instead of html-webpack-plugin). */
class HtmlPage {
  apply(compiler) {
    const { Compilation, sources } = compiler.webpack;
    compiler.hooks.thisCompilation.tap("HtmlPage", (compilation) => {
      compilation.hooks.processAssets.tap({ name: "HtmlPage", stage: Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        const scripts = [...compilation.entrypoints.get("main").getFiles()]
          .filter((f) => f.endsWith(".js"))
          .map((f) => `<script src="${f}" defer></script>`)
          .join("\n");
        const html = `<!doctype html>\n<meta charset="utf-8">\n<title>byok-keyring in a webpack app</title>\n${scripts}\n<pre id="out">running…</pre>\n`;
        compilation.emitAsset("index.html", new sources.RawSource(html));
      });
    });
  }
}

export default {
  mode: "production",
  entry: "./src/index.js",
  output: {
    path: fileURLToPath(new URL("./dist/", import.meta.url)),
    filename: "[name].[contenthash:8].js",
    clean: true,
  },
  plugins: [new HtmlPage()],
};
