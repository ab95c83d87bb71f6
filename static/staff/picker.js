/* Vocabulary pickers of the staff console: progressive enhancement of <select multiple class="picker">.
 * Without JS the select works as is. With JS: a filter box above it (matches French and Arabic labels,
 * ignoring case, accents and Arabic diacritics) and the chosen terms listed below it as removable chips.
 * No inline script or style anywhere (the Content-Security-Policy forbids them). */
(function () {
  "use strict";

  function fold(text) {
    return (text || "")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")            // Latin accents
      .replace(/[\u064b-\u065f\u0670\u0640]/g, "") // Arabic tashkeel and tatweel
      .replace(/[\u0622\u0623\u0625\u0671]/g, "\u0627") // alef forms
      .replace(/\u0649/g, "\u064a")                // alef maqsura -> yaa
      .replace(/\u0629/g, "\u0647")                // taa marbuta -> haa
      .toLowerCase()
      .replace(/\s+/g, " ")
      .trim();
  }

  function enhance(select) {
    var doc = select.ownerDocument;
    var filter = doc.createElement("input");
    filter.type = "search";
    filter.className = "picker-filter";
    filter.setAttribute("dir", "auto");
    var label = select.getAttribute("data-filter-label") ||
      (doc.documentElement.lang === "ar" ? "تصفية القائمة" : "Filtrer la liste");
    filter.setAttribute("aria-label", label);
    filter.placeholder = label + "…";
    filter.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(filter, select);

    var chosen = doc.createElement("ul");
    chosen.className = "picker-chosen";
    chosen.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(chosen, select.nextSibling);

    var keys = Array.prototype.map.call(select.options, function (o) { return fold(o.text + " " + o.value); });

    function applyFilter() {
      var wanted = fold(filter.value);
      Array.prototype.forEach.call(select.options, function (option, i) {
        option.hidden = wanted !== "" && !option.selected && keys[i].indexOf(wanted) === -1;
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = Array.prototype.every.call(group.children, function (o) { return o.hidden; });
      });
    }

    function showChosen() {
      while (chosen.firstChild) { chosen.removeChild(chosen.firstChild); }
      Array.prototype.forEach.call(select.selectedOptions, function (option) {
        var item = doc.createElement("li");
        var text = doc.createElement("span");
        text.textContent = option.text.trim();
        var remove = doc.createElement("button");
        remove.type = "button";
        remove.className = "chip-remove";
        remove.textContent = "\u00d7";
        remove.setAttribute("aria-label", (doc.documentElement.lang === "ar" ? "إزالة " : "Retirer ") + option.text.trim());
        remove.addEventListener("click", function () {
          option.selected = false;
          showChosen();
          applyFilter();
        });
        item.appendChild(text);
        item.appendChild(remove);
        chosen.appendChild(item);
      });
    }

    filter.addEventListener("input", applyFilter);
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }  // never submit the record by accident
    });
    select.addEventListener("change", showChosen);
    showChosen();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("select.picker[multiple]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
