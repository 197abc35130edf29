/**
 * Gives every cell of a page's tables the name of its column, so that a
 * phone can show a wide table as one card per row (see `phone.css`): each
 * cell then says which column it came from, as the header row would.
 *
 * @module
 */

/**
 * Sets `data-label` on each body cell of each table under `root` to the
 * text of its column's header. Tables without a header row are left alone.
 *
 * @example Label the tables of the page on every content update
 * ```ts
 * import { onContentUpdated } from "vitepress";
 * onContentUpdated(() => labelTableCells(document));
 * ```
 *
 * @param root Where to look for tables, usually `document`.
 */
export function labelTableCells(root: ParentNode): void {
  for (const table of root.querySelectorAll(".vp-doc table")) {
    const headers = [...table.querySelectorAll("thead tr:first-child th")]
      .map((th) => (th.textContent ?? "").trim());
    if (headers.length === 0) continue;
    table.setAttribute("data-columns", String(headers.length));
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, column) => {
        const label = headers[column];
        if (label) cell.setAttribute("data-label", label);
      });
    }
  }
}
