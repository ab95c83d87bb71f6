/* Mawarid — progressive enhancement for the public pages.
   Everything works without this file: search is a plain GET form, facets are
   links, sorting has a submit button. This adds search suggestions (an ARIA
   combobox fed by /api/suggest) and submits the sort menu on change. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  var counter = 0;

  function combobox(box) {
    var input = box.querySelector("input[type=search]");
    if (!input) return;
    var url = box.getAttribute("data-suggest-url");
    var lang = box.getAttribute("data-suggest-lang") || document.documentElement.lang;
    var list = document.createElement("ul");
    var listId = "suggestions-" + (++counter);
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    box.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var active = -1, timer = null, lastQuery = "", controller = null;

    function options() { return list.querySelectorAll("[role=option]"); }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = options();
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[active].id);
    }

    function choose(text) {
      input.value = text;
      close();
      if (input.form) input.form.submit();
    }

    function show(words) {
      list.textContent = "";
      words.forEach(function (word, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("dir", "auto");
        li.textContent = word;           /* text, never HTML */
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(word); });
        list.appendChild(li);
      });
      if (words.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
    }

    function fetchSuggestions() {
      var q = input.value.trim();
      if (q.length < 2 || q === lastQuery) { if (q.length < 2) close(); return; }
      lastQuery = q;
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      var target = url + "?q=" + encodeURIComponent(q) + "&lang=" + encodeURIComponent(lang);
      fetch(target, { headers: { Accept: "application/json" }, signal: controller && controller.signal })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) { if (input.value.trim() === q) show(data.suggestions || []); })
        .catch(function () { /* suggestions are a convenience: stay silent */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 180);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(options()[active].textContent);
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 120); });
  }

  // On narrow screens the facets open as a drawer over the results ("Refine"), so the
  // first result is what a phone shows first; Escape, the close button or the backdrop
  // close it and give the focus back. Wide screens keep the sidebar (the link jumps).
  function facetDrawer() {
    var drawer = document.getElementById("facets");
    var opener = document.querySelector(".jump-to-facets");
    if (!drawer || !opener) return;
    var narrow = window.matchMedia("(max-width: 820px)");
    var closer = drawer.querySelector(".drawer-close");
    var title = drawer.querySelector(".facets-title");
    var backdrop = document.createElement("div");
    backdrop.className = "drawer-backdrop";
    backdrop.hidden = true;
    document.body.appendChild(backdrop);
    opener.setAttribute("aria-controls", "facets");
    opener.setAttribute("aria-expanded", "false");

    function open() {
      drawer.classList.add("is-open");
      backdrop.hidden = false;
      opener.setAttribute("aria-expanded", "true");
      (title || drawer).focus();
    }
    function shut() {
      drawer.classList.remove("is-open");
      backdrop.hidden = true;
      opener.setAttribute("aria-expanded", "false");
      opener.focus();
    }
    opener.addEventListener("click", function (event) {
      if (!narrow.matches) return;
      event.preventDefault();
      open();
    });
    if (closer) closer.addEventListener("click", shut);
    backdrop.addEventListener("click", shut);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && drawer.classList.contains("is-open")) shut();
    });
  }

  onReady(function () {
    facetDrawer();
    autosubmit();
    document.querySelectorAll(".combobox[data-suggest-url]").forEach(combobox);
  });
})();
