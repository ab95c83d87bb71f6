/* Offline search of a Mawarid bundle: no server, no network, works from file://.
   The index (assets/index-data.js) holds for each resource a key already folded
   by the catalogue (metadata_schemas.textnorm.fold); this file folds the query
   the same way: lower case, accents and Arabic tashkeel/tatweel removed, alef,
   yaa, taa marbuta and hamza carriers unified, punctuation to spaces. */
(function () {
  "use strict";
  var DIACRITICS = /[\u064B-\u0652\u0670\u0640]/g;
  var LETTERS = {"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",
                 "\u0649": "\u064A", "\u0629": "\u0647", "\u0624": "\u0648", "\u0626": "\u064A"};
  function fold(text) {
    var out = (text || "").normalize("NFKC").toLowerCase();
    out = out.replace(DIACRITICS, "").replace(/[\u0623\u0625\u0622\u0671\u0649\u0629\u0624\u0626]/g,
      function (c) { return LETTERS[c]; });
    out = out.replace(/[\u0660-\u0669]/g, function (c) { return String(c.charCodeAt(0) - 0x0660); })
             .replace(/[\u06F0-\u06F9]/g, function (c) { return String(c.charCodeAt(0) - 0x06F0); });
    out = out.normalize("NFD").replace(/\p{M}/gu, "");
    return out.replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }
  var data = window.MAWARID_BUNDLE || {resources: []};
  var keys = {};
  data.resources.forEach(function (r) { keys[r.id] = r.key; });
  var input = document.getElementById("q");
  var count = document.getElementById("count");
  var items = Array.prototype.slice.call(document.querySelectorAll("#results li"));
  function run() {
    var words = fold(input.value).split(" ").filter(Boolean);
    var shown = 0;
    items.forEach(function (li) {
      var key = keys[li.getAttribute("data-id")] || "";
      var hit = words.every(function (w) { return key.indexOf(w) !== -1; });
      li.hidden = !hit;
      if (hit) { shown += 1; }
    });
    count.textContent = countText(shown);
  }
  // The count in the page's language: its CLDR plural category picks the form
  // (the forms were written from the catalogue when the bundle was built).
  var forms = JSON.parse(count.getAttribute("data-forms") || "{}");
  var rules = new Intl.PluralRules(count.getAttribute("data-lang") || "fr");
  function countText(n) {
    var form = forms[rules.select(n)] || forms.other || "{n}";
    return form.replace("{n}", String(n));
  }
  input.addEventListener("input", run);
  document.getElementById("search-form").addEventListener("submit", function (e) {
    e.preventDefault();
  });
  window.mawaridFold = fold;
  window.mawaridCount = countText;
})();
