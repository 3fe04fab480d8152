// The export page's "Välj alla" box (templates/admin/import_export/export.html): bound here,
// not by an inline handler, so the page needs no inline script.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.getElementById("select-all-toggle");
  if (toggle && typeof onSelectToggleChange === "function") {
    toggle.addEventListener("change", onSelectToggleChange);
  }
});
