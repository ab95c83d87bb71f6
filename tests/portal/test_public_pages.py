"""The public pages: home, browse, search, resource pages and the tracked access route."""

from __future__ import annotations

import unicodedata

import lxml.html
import pytest
from portal_corpus import EXPECTED


def fold(text):
    return "".join(
        c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c)
    )


def parse(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def texts(doc, xpath):
    return [" ".join(el.text_content().split()) for el in doc.xpath(xpath)]


def count_of(doc, facet, value):
    link = doc.xpath(f'//a[@data-facet="{facet}"][@data-value="{value}"]')
    assert link, f"no bucket {facet}={value}"
    return int(link[0].xpath('.//span[@class="facet-count"]')[0].text)


# --- home and browse -------------------------------------------------------------


def test_home_browses_cycles_and_levels_with_counts(public_client):
    response = public_client.get("/")
    assert response.status_code == 200
    doc = parse(response)
    assert doc.get("lang") == "fr" and doc.get("dir") == "ltr"
    cards = {
        card.get("aria-labelledby"): card for card in doc.xpath('//section[@class="cycle-card"]')
    }
    primaire = cards["cycle-primaire"]
    assert texts(primaire, './/h3//span[@class="count"]') == [
        f"{EXPECTED['cycle:primaire']} ressources"
    ]
    levels = texts(primaire, './/ul[@class="level-list"]//a')
    assert levels == ["5e année du primaire (5AP) 3 ressources"]
    # Each level opens its browse page (cycle → level → subject).
    assert primaire.xpath('.//ul[@class="level-list"]//a/@href') == ["/browse/5ap"]
    # A cycle without resources says so instead of an empty box.
    assert "Aucune ressource" in cards["cycle-prescolaire"].text_content()
    # The search box is labelled and works without JavaScript (GET form to /search).
    form = doc.xpath('//form[@role="search"]')[0]
    assert form.get("action") == "/search" and form.get("method") == "get"
    assert doc.xpath('//label[@for="home-q"]')


def test_browse_level_lists_subjects_with_counts_and_links(public_client):
    doc = parse(public_client.get("/browse/1ac"))
    assert texts(doc, "//h1") == ["1re année du cycle secondaire collégial"]
    cards = doc.xpath('//a[@class="subject-card"]')
    found = {" ".join(a.xpath('.//span[@class="subject-name"]')[0].text.split()): a for a in cards}
    assert set(found) == {"Mathématiques", "Sciences de la vie et de la Terre"}
    maths = found["Mathématiques"]
    assert "2 ressources" in maths.text_content()
    assert maths.get("href") == "/search?level=1ac&subject=mathematiques"
    # The breadcrumb goes back through the cycle.
    assert "Enseignement secondaire collégial" in texts(doc, '//nav[@class="breadcrumb"]//a')


def test_browse_has_a_json_twin(public_client):
    response = public_client.get("/browse/1ac")
    assert (
        response.headers["Link"] == '</browse/1ac.json>; rel="alternate"; type="application/json"'
    )
    data = public_client.get("/browse/1ac.json").get_json()
    assert data["level"]["id"] == "1ac" and data["total"] == EXPECTED["level:1ac"]
    assert {s["id"]: s["count"] for s in data["subjects"]} == {"mathematiques": 2, "svt": 1}


def test_relaxed_search_says_so(public_client):
    # No resource has both words: the index falls back to any word, and the page says so.
    data = public_client.get("/api/search?q=photosynthèse zzzunknownword").get_json()
    assert data["relaxed"] is True and data["total"] == 1
    html = public_client.get("/search?q=photosynthèse zzzunknownword").get_data(as_text=True)
    assert "voici celles qui en contiennent au moins un" in html


def test_browse_cycle_lists_its_levels(public_client):
    doc = parse(public_client.get("/browse/primaire"))
    assert texts(doc, "//ul[@class='pill-list']//a") == ["5e année du primaire 3"]


def test_browse_unknown_level_is_a_clear_404(public_client):
    response = public_client.get("/browse/nope", headers={"Accept-Language": "ar"})
    assert response.status_code == 404
    doc = parse(response)
    assert doc.get("dir") == "rtl"
    assert texts(doc, "//h1") == ["الصفحة غير موجودة"]


# --- search ----------------------------------------------------------------------


def test_search_everything_lists_every_published_resource(public_client):
    doc = parse(public_client.get("/search"))
    assert texts(doc, '//*[@id="results-count"]') == [
        f"{EXPECTED['published']} ressources trouvées"
    ]
    titles = " ".join(texts(doc, '//h3[@class="hit-title"]'))
    assert "Brouillon secret" not in titles and "retirée" not in titles


def test_search_words_in_french_and_arabic(public_client):
    fr = parse(public_client.get("/search?q=photosynthèse"))
    assert texts(fr, '//h3[@class="hit-title"]')[0] == "La photosynthèse"
    ar = parse(public_client.get("/search?q=التركيب الضوئي&lang=ar"))
    assert texts(ar, '//h3[@class="hit-title"]')[0] == "التركيب الضوئي"
    assert ar.get("dir") == "rtl"


def test_facets_combine_with_counts_chips_and_toggle_links(public_client):
    doc = parse(public_client.get("/search?level=1ac&subject=mathematiques"))
    assert texts(doc, '//*[@id="results-count"]') == ["2 ressources trouvées"]
    # Counts of a facet ignore its own selection (multi-select), the other facets apply.
    assert count_of(doc, "level", "1ac") == EXPECTED["1ac+mathematiques"]
    assert count_of(doc, "level", "5ap") == 1  # mathematics in 5AP
    assert count_of(doc, "subject", "svt") == 1  # SVT in 1AC
    # Selected buckets link to the search without them; chips too.
    selected = doc.xpath('//a[@data-facet="level"][@data-value="1ac"]')[0]
    assert "is-selected" in selected.get("class")
    assert selected.get("href") == "/search?subject=mathematiques"
    chips = {chip.get("data-facet"): chip for chip in doc.xpath('//li[@class="chip"]')}
    assert set(chips) == {"level", "subject"}
    assert chips["subject"].xpath('.//a[@class="chip-remove"]/@href') == ["/search?level=1ac"]
    assert "Mathématiques" in chips["subject"].text_content()
    # An unselected value narrows to it (in its facet's group): the link gives its count.
    other = doc.xpath('//a[@data-facet="level"][@data-value="5ap"]')[0]
    assert other.get("href") == "/search?level=5ap&subject=mathematiques"
    cycle = doc.xpath('//a[@data-facet="cycle"][@data-value="primaire"]')[0]
    assert cycle.get("href") == "/search?cycle=primaire&subject=mathematiques"
    clicked = parse(public_client.get(other.get("href")))
    assert texts(clicked, '//*[@id="results-count"]') == ["1 ressource trouvée"]


def test_values_of_one_facet_are_ored(public_client):
    doc = parse(public_client.get("/search?level=1ac&level=5ap"))
    assert texts(doc, '//*[@id="results-count"]') == ["6 ressources trouvées"]


def test_filters_accept_labels_and_notations(public_client):
    doc = parse(public_client.get("/search?level=1AC&subject=Mathématiques"))
    assert texts(doc, '//*[@id="results-count"]') == ["2 ressources trouvées"]
    # Links are canonical (term ids).
    assert doc.xpath('//li[@class="chip"][@data-facet="level"]/@data-value') == ["1ac"]


def test_sort_by_title_and_pagination(public_client):
    doc = parse(public_client.get("/search?sort=title&size=3"))
    titles = texts(doc, '//h3[@class="hit-title"]')
    assert len(titles) == 3
    assert titles == sorted(titles, key=fold)  # accents do not change the order
    pages = doc.xpath('//nav[@class="pagination"]')[0]
    assert pages.xpath('.//a[@rel="next"]/@href') == ["/search?sort=title&size=3&page=2"]
    assert pages.xpath('.//span[@aria-current="page"]/text()') == ["1"]
    last = parse(public_client.get("/search?sort=title&size=3&page=3"))
    assert len(texts(last, '//h3[@class="hit-title"]')) == EXPECTED["published"] - 6
    assert not last.xpath('//a[@rel="next"]')
    # The sort menu keeps the query and filters.
    hidden = dict(
        zip(
            doc.xpath('//form[@class="sort-form"]//input[@type="hidden"]/@name'),
            doc.xpath('//form[@class="sort-form"]//input[@type="hidden"]/@value'),
            strict=False,
        )
    )
    assert hidden == {"size": "3"}


def test_snippets_highlight_matches(public_client):
    doc = parse(public_client.get("/search?q=simulation"))
    marks = doc.xpath('//p[contains(@class, "hit-snippet")]//mark')
    assert marks and any("imulation" in (m.text or "") for m in marks)


def test_a_misspelt_query_shows_the_results_of_its_correction(public_client):
    doc = parse(public_client.get("/search?q=fractoins"))
    notice = doc.xpath('//p[contains(@class, "corrected")]')
    assert notice and "« fractions »" in notice[0].text_content()
    assert doc.xpath('//ol[@class="hits"]/li')  # the corrected query's hits
    back = notice[0].xpath("a")[0]  # search the words as typed, without correction
    assert back.get("href") == "/search?q=fractoins&autocorrect=0"
    typed = parse(public_client.get(back.get("href")))
    link = typed.xpath('//p[@class="did-you-mean"]/a')
    assert link and link[0].text == "fractions"
    assert link[0].get("href") == "/search?q=fractions&autocorrect=0"


def test_a_query_of_common_words_only_explains_instead_of_listing_everything(public_client):
    doc = parse(public_client.get("/search?q=de+la"))
    assert texts(doc, '//*[@id="results-count"]') == ["0 ressource trouvée"]
    assert "ne contient pas de mot à chercher" in doc.text_content()
    data = public_client.get("/api/search?q=de+la").get_json()
    assert (data["total"], data["empty_reason"]) == (0, "stopwords")


def test_a_level_and_subject_named_in_the_words_are_removable_chips(public_client):
    data = public_client.get("/api/search?q=maths+1AC").get_json()
    assert [(u["facet"], u["values"], u["applied"]) for u in data["understood"]] == [
        ("subject", ["mathematiques"], "filter"),
        ("level", ["1ac"], "filter"),
    ]
    doc = parse(public_client.get("/search?q=maths+1AC"))
    chips = doc.xpath('//li[@class="chip"]')
    assert {c.get("data-value") for c in chips} == {"mathematiques", "1ac"}
    remove = next(c for c in chips if c.get("data-value") == "1ac").xpath("a")[0].get("href")
    assert remove == "/search?q=maths+1AC&literal=level"
    after = public_client.get("/api/search" + remove[len("/search") :]).get_json()
    assert [u["facet"] for u in after["understood"]] == ["subject"]


def test_no_result_page_explains_what_to_do(public_client):
    doc = parse(public_client.get("/search?q=zzzqqqxxx"))
    assert texts(doc, '//*[@id="results-count"]') == ["0 ressource trouvée"]
    assert "Essayez d'autres mots" in doc.text_content()


def test_search_page_announces_its_json_twin(public_client):
    response = public_client.get("/search?q=fractions&level=1ac")
    link = response.headers["Link"]
    assert link == '</search.json?q=fractions&level=1ac>; rel="alternate"; type="application/json"'
    twin = public_client.get("/search.json?q=fractions&level=1ac")
    assert twin.mimetype == "application/json"
    data = twin.get_json()
    doc = parse(response)
    assert texts(doc, '//*[@id="results-count"]') == [
        f"{data['total']} ressources trouvées" if data["total"] != 1 else "1 ressource trouvée"
    ]
    assert [h["title"] for h in data["hits"]] == texts(doc, '//h3[@class="hit-title"]')
    assert "facet_list" not in data


# --- resource pages --------------------------------------------------------------


def test_resource_page_shows_the_lom_metadata(public_client, corpus):
    rid = corpus["fractions"]
    response = public_client.get(f"/resources/{rid}")
    assert response.status_code == 200
    doc = parse(response)
    assert texts(doc, "//h1") == ["Les fractions au collège"]
    alt = doc.xpath('//p[@class="resource-alt-title"]')[0]
    assert alt.text == "الكسور في الإعدادي" and alt.get("lang") == "ar" and alt.get("dir") == "rtl"
    descriptions = doc.xpath('//p[@class="resource-description"]')
    assert [d.get("lang") for d in descriptions] == ["fr", "ar"]
    body = " ".join(doc.text_content().split())
    for expected in (
        "Enseignement secondaire collégial › 1re année du cycle secondaire collégial",
        "Mathématiques",
        "exercice",
        "12 minutes",
        "45 minutes",
        "application/pdf",
        "Amina El Idrissi",
        "Éditions Atlas",
        "Gratuite",
    ):
        assert expected in body, expected
    licence = doc.xpath('//a[@rel="license noopener"]')[0]
    assert licence.get("href").startswith("https://creativecommons.org/")
    provenance = " ".join(
        doc.xpath('//div[contains(@class, "provenance-panel")]')[0].text_content().split()
    )
    assert "Achat" in provenance and "AO 12/2024/LNRN" in provenance and "PV" in provenance
    access = doc.xpath('//div[contains(@class, "access-panel")]//a[contains(@class, "button")]')[0]
    assert access.get("href") == f"/r/{rid}/access"
    assert (
        response.headers["Link"]
        == f'</resources/{rid}.json>; rel="alternate"; type="application/json"'
    )


def test_resource_page_in_arabic(public_client, corpus):
    doc = parse(public_client.get(f"/resources/{corpus['fractions']}?lang=ar"))
    assert doc.get("dir") == "rtl"
    assert texts(doc, "//h1") == ["الكسور في الإعدادي"]
    body = doc.text_content()
    assert "الرياضيات" in body and "12 دقيقة" in body and "مجاني" in body


def test_french_only_resource_keeps_its_language_in_arabic(public_client, corpus):
    doc = parse(public_client.get(f"/resources/{corpus['lecture']}?lang=ar"))
    h1 = doc.xpath("//h1")[0]
    assert h1.get("lang") == "fr" and h1.get("dir") == "ltr"
    # No location: no access button, a sentence instead.
    assert not doc.xpath('//a[contains(@href, "/access")]')
    assert "ليس لهذا المورد عنوان" in doc.text_content()


@pytest.mark.parametrize("name", ["draft", "withdrawn"])
def test_unpublished_resources_are_not_public(public_client, corpus, name):
    rid = corpus[name]
    for url in (
        f"/resources/{rid}",
        f"/resources/{rid}.json",
        f"/r/{rid}/access",
        f"/api/resources/{rid}",
    ):
        response = public_client.get(url)
        assert response.status_code == 404, url
        assert "Brouillon secret" not in response.get_data(as_text=True)


def test_unknown_and_malformed_ids_are_404_pages(public_client):
    for rid in ("does-not-exist", "x", "a" * 200, "..", "%00abc"):
        response = public_client.get(f"/resources/{rid}")
        assert response.status_code == 404, rid
        assert "Page introuvable" in response.get_data(as_text=True)


def test_resource_json_twin(public_client, corpus):
    rid = corpus["ondes"]
    data = public_client.get(f"/resources/{rid}.json").get_json()
    assert data["id"] == rid
    assert data["record"]["general"]["title"]["fr"] == "Les ondes mécaniques progressives"
    assert data["levels"][0]["path"][-1].startswith("2e année du baccalauréat – Sciences physiques")
    assert data["provenance"]["mode"] == "achat"


# --- tracked access and usage ----------------------------------------------------


def test_access_route_counts_then_redirects_to_the_resource(app, corpus):
    client = app.test_client()
    usage = app.extensions["mawarid"].diffusion.usage
    before = dict(usage.stats)
    rid = corpus["fractions"]
    response = client.get(f"/r/{rid}/access", headers={"User-Agent": "Mozilla/5.0 test"})
    assert response.status_code == 302
    location = app.extensions["mawarid"].resources.get(rid).record["technical"]["location"][0]
    assert response.headers["Location"] == location
    assert usage.stats["recorded"] == before["recorded"] + 1


def test_access_without_location_goes_back_to_the_page(app, corpus):
    rid = corpus["lecture"]
    response = app.test_client().get(f"/r/{rid}/access")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/resources/{rid}"


def test_resource_views_are_counted_without_storing_the_visitor(app, corpus):
    usage = app.extensions["mawarid"].diffusion.usage
    before = usage.stats["recorded"]
    client = app.test_client()
    client.get(
        f"/resources/{corpus['ondes']}",
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
        headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120"},
    )
    assert usage.stats["recorded"] == before + 1
    # The page view is written; the address itself is never stored.
    usage.flush()
    assert usage.stats["written"] == 1
    db = app.extensions["mawarid"].catalogue.db
    from sqlalchemy import text

    with db.engine.connect() as conn:
        tables = [
            r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        ]
        for table in tables:
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                assert "203.0.113.9" not in " ".join(map(str, row)), table


# --- language choice -------------------------------------------------------------


def test_language_choice_is_remembered_in_the_session(client):
    assert parse(client.get("/?lang=ar")).get("lang") == "ar"
    assert parse(client.get("/search")).get("lang") == "ar"
    assert parse(client.get("/?lang=fr")).get("lang") == "fr"
    assert parse(client.get("/")).get("lang") == "fr"


def test_browser_language_then_french_by_default(public_client):
    assert (
        parse(public_client.get("/", headers={"Accept-Language": "ar-MA,ar;q=0.9"})).get("lang")
        == "ar"
    )
    assert parse(public_client.get("/", headers={"Accept-Language": "en-US"})).get("lang") == "fr"
    assert parse(public_client.get("/", headers={"Accept-Language": "fr-FR"})).get("dir") == "ltr"


def test_language_switch_links_keep_the_current_page(public_client):
    doc = parse(public_client.get("/search?q=fractions&level=1ac"))
    link = doc.xpath('//nav[@class="lang-switch"]//a[@hreflang="ar"]')[0]
    assert link.get("href") == "/search?q=fractions&level=1ac&lang=ar"
    assert link.get("lang") == "ar" and link.text == "العربية"


def test_unknown_language_is_ignored(public_client):
    response = public_client.get("/?lang=xx")
    assert response.status_code == 200
    assert parse(response).get("lang") == "fr"


# --- layout, assets, headers ------------------------------------------------------


def test_layout_is_accessible(public_client):
    doc = parse(public_client.get("/search?q=fractions"))
    skip = doc.xpath('//a[@class="skip-link"]')[0]
    assert skip.get("href") == "#main" and doc.xpath('//main[@id="main"]')
    for field in doc.xpath("//input[not(@type='hidden')] | //select"):
        assert doc.xpath(f'//label[@for="{field.get("id")}"]'), field.get("id")
    assert doc.xpath("//nav[@aria-label]") and doc.xpath("//h1")
    assert not doc.xpath("//script[not(@src)]"), "inline scripts break the CSP"


def test_security_headers(public_client):
    response = public_client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_static_assets_are_served_and_contained(public_client):
    css = public_client.get("/static/css/mawarid.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert b"inset-inline-start" in css.data  # logical properties serve RTL and LTR
    assert public_client.get("/static/js/mawarid.js").status_code == 200
    assert public_client.get("/static/../portal/__init__.py").status_code == 404
    assert public_client.get("/static/%2e%2e/pyproject.toml").status_code == 404


def test_title_and_heading_say_what_is_shown(public_client):
    doc = parse(public_client.get("/search?level=1ac&subject=mathematiques"))
    heading = texts(doc, "//h1")[0]
    assert "Mathématiques" in heading and "1re année" in heading
    assert doc.findtext(".//title").startswith(heading)
    worded = parse(public_client.get("/search?q=fractions&level=1ac"))
    assert texts(worded, "//h1")[0].startswith("Résultats pour « fractions » — ")
    arabic = parse(public_client.get("/search?subject=mathematiques&lang=ar"))
    assert texts(arabic, "//h1")[0] == "الموارد — الرياضيات"
    assert texts(parse(public_client.get("/search?lang=fr")), "//h1") == ["Toutes les ressources"]
