// The page's inline CSS and its one script (sorting tables by a click on a column header).
enum PageStyle {
    static let css = """
    body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; margin: 0; background: #fafafa; }
    main { max-width: 1360px; margin: 0 auto; padding: 12px 24px 48px; }
    h1 { font-size: 26px; margin: 18px 0 4px; }
    h2 { font-size: 20px; border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 36px; }
    h3 { font-size: 15px; margin: 18px 0 6px; }
    nav { font-size: 14px; margin-bottom: 8px; }
    nav a { margin-right: 14px; color: #2166ac; text-decoration: none; }
    code { font-family: "DejaVu Sans Mono", monospace; font-size: 0.92em; }
    dl.overview { display: grid; grid-template-columns: max-content auto; gap: 6px 18px; font-size: 14px; }
    dl.overview dt { font-weight: 600; color: #444; }
    dl.overview dd { margin: 0; }
    .boards { display: flex; flex-wrap: wrap; gap: 0 28px; }
    .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 18px; }
    figure { margin: 0; background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 6px; }
    svg.chart { width: 100%; height: auto; display: block; }
    table { border-collapse: collapse; font-size: 13.5px; background: #fff; margin: 4px 0 12px; }
    th, td { border: 1px solid #ddd; padding: 4px 9px; text-align: left; }
    th { background: #f0f0f0; cursor: pointer; user-select: none; white-space: nowrap; }
    th[data-dir="asc"]::after { content: " ▲"; font-size: 10px; }
    th[data-dir="desc"]::after { content: " ▼"; font-size: 10px; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; }
    .swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
    .note { font-weight: normal; color: #666; font-size: 13px; }
    .best-run { font-size: 13px; margin: 6px 0 2px; }
    pre.commands { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; background: #f4f4f4; padding: 6px 8px; margin: 0 0 12px; white-space: pre-wrap; word-break: break-all; }
    .warn { color: #8c510a; }
    details { margin: 10px 0; } summary { cursor: pointer; font-weight: 600; }
    p { font-size: 14px; line-height: 1.45; max-width: 1100px; }
    """

    /// Click a header: sort by that column, ascending first, again to reverse; numbers by data-v,
    /// missing values last.
    static let script = """
    document.querySelectorAll("table.sortable th").forEach(th => th.addEventListener("click", () => {
      const table = th.closest("table"), body = table.tBodies[0], col = th.cellIndex;
      const asc = th.dataset.dir !== "asc";
      table.querySelectorAll("th").forEach(h => delete h.dataset.dir);
      th.dataset.dir = asc ? "asc" : "desc";
      const key = td => td.dataset.v === undefined ? td.textContent : (td.dataset.v === "" ? null : parseFloat(td.dataset.v));
      [...body.rows].sort((a, b) => {
        const x = key(a.cells[col]), y = key(b.cells[col]);
        if (x === null || y === null) return x === y ? 0 : (x === null ? 1 : -1);
        const c = typeof x === "number" ? x - y : x.localeCompare(y);
        return asc ? c : -c;
      }).forEach(r => body.appendChild(r));
    }));
    """
}
