/**
 * The site's theme: VitePress's default theme, plus the components pages use.
 *
 * @module
 */
import { onContentUpdated, type Theme } from "vitepress";
import DefaultTheme from "vitepress/theme";
import RunByUrl from "./RunByUrl.vue";
import SourceLink from "./SourceLink.vue";
import { labelTableCells } from "./tables.ts";
import "./readable.css";
import "./literate.css";

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    // `<RunByUrl script="echo_server.ts" />`: the line that runs a script by URL.
    app.component("RunByUrl", RunByUrl);
    // `<SourceLink path="scripts/echo_server.ts" />`: the whole file, on GitHub.
    app.component("SourceLink", SourceLink);
  },
  setup() {
    // Each table cell names its column, for the one-card-per-row phone view.
    onContentUpdated(() => labelTableCells(document));
  },
} satisfies Theme;
