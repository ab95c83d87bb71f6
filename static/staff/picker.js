/* Vocabulary pickers of the staff console: progressive enhancement of <select multiple class="picker">.
 * Without JS the select works as is. With JS: a filter box above it (matches French and Arabic labels,
 * ignoring case, accents and Arabic diacritics) and the chosen terms listed below it as removable chips.
 * The subject picker also narrows to the subjects taught in the cycles of the chosen levels
 * (options carry data-cycles, levels data-cycle). Selected options are never hidden.
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
      var cycles = select.pickerCycles || null;  // set by the level picker, for subjects
      Array.prototype.forEach.call(select.options, function (option, i) {
        var textOk = wanted === "" || keys[i].indexOf(wanted) !== -1;
        var taught = (option.getAttribute("data-cycles") || "").split(" ");
        var cycleOk = !cycles || !option.hasAttribute("data-cycles") ||
          taught.some(function (c) { return cycles.indexOf(c) !== -1; });
        option.hidden = !option.selected && !(textOk && cycleOk);
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
          applyFilter();
          // Let followers (subjects follow levels) and the chip list hear about it.
          select.dispatchEvent(new Event("change", { bubbles: true }));
        });
        item.appendChild(text);
        item.appendChild(remove);
        chosen.appendChild(item);
      });
    }

    select.pickerRefresh = applyFilter;
    filter.addEventListener("input", applyFilter);
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }  // never submit the record by accident
    });
    select.addEventListener("change", showChosen);
    showChosen();
  }

  function followLevels(levels, subjects) {
    function update() {
      var cycles = [];
      Array.prototype.forEach.call(levels.selectedOptions, function (option) {
        var cycle = option.getAttribute("data-cycle");
        if (cycle && cycles.indexOf(cycle) === -1) { cycles.push(cycle); }
      });
      subjects.pickerCycles = cycles.length ? cycles : null;
      if (subjects.pickerRefresh) { subjects.pickerRefresh(); }
    }
    levels.addEventListener("change", update);
    update();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("select.picker[multiple]"), enhance);
    var levels = document.getElementById("levels");
    var subjects = document.getElementById("subjects");
    if (levels && subjects) { followLevels(levels, subjects); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
