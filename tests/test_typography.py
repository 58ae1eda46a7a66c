"""Korean set as Korean, and the small print legible on a phone, in headless Chromium at 390 and
1280 px: no Korean word broken across two lines, no Hangul slanted by the browser, captions
upright in both languages, no code under a code block's copy button, and the playground's filter
cells large enough to read. Nothing here depends on a particular sentence of a page. At the
end, the test that holds a reason the playground page gives (tests/reasons/playground.toml)."""

from __future__ import annotations

import pytest
from test_site import PAGES

pytestmark = [pytest.mark.site, pytest.mark.browser]

WIDTHS = [390, 1280]
KOREAN = PAGES  # Korean is the default language: its pages are the ones without a prefix
ENGLISH = ["en/" + page for page in PAGES]
SAMPLE = ["relu/", "glossary/", "gallery/udacity-sdc/"]  # code, a table, a generated page
CAPTIONED = ["relu/", "gallery/udacity-sdc/"]

# Every pair of neighbouring characters in the article's running text where one is Hangul and
# the other a letter or digit (so both belong to one word: no space between them), and which of
# them the line breaks between; and every run of Hangul that is drawn slanted by synthesis.
READ_KOREAN = """() => {
  const HANGUL = /[\\u1100-\\u11ff\\u3130-\\u318f\\uac00-\\ud7a3]/;
  const WORD = /[\\p{L}\\p{N}]/u;
  const SKIP = 'pre, math, script, style, svg, .headerlink';
  const TEXT = 'p, li, figcaption, td, th, dt, dd, h1, h2, h3, h4, h5, h6, summary, blockquote';
  const chars = [];
  const slanted = [];
  const walker = document.createTreeWalker(document.querySelector('article'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    const block = parent.closest(TEXT);
    if (!block || parent.closest(SKIP) || !HANGUL.test(node.data) && !WORD.test(node.data)) {
      chars.push(null);  // text of another kind ends a word
      continue;
    }
    const style = getComputedStyle(parent);
    if (HANGUL.test(node.data) && style.fontStyle !== 'normal'
        && style.fontSynthesisStyle !== 'none') slanted.push(node.data.trim().slice(0, 20));
    for (let i = 0; i < node.data.length; i++) chars.push({node, i, ch: node.data[i], block});
  }
  const range = document.createRange();
  const box = c => {
    range.setStart(c.node, c.i);
    range.setEnd(c.node, c.i + 1);
    return range.getBoundingClientRect();
  };
  const splits = [];
  let pairs = 0;
  for (let k = 0; k + 1 < chars.length; k++) {
    const [a, b] = [chars[k], chars[k + 1]];
    if (!a || !b || a.block !== b.block || !WORD.test(a.ch) || !WORD.test(b.ch)) continue;
    if (!HANGUL.test(a.ch) && !HANGUL.test(b.ch)) continue;
    const [ra, rb] = [box(a), box(b)];
    if (!ra.width || !rb.width) continue;  // not drawn (hidden)
    pairs++;
    if (rb.top >= ra.bottom - ra.height / 2) {  // b starts a new line
      const before = a.node.data.slice(0, a.i + 1).slice(-8);
      const after = b.node.data.slice(b.i, b.i + 8);
      splits.push(`${a.block.tagName.toLowerCase()}: ${before}|${after}`);
    }
  }
  return {pairs, splits, slanted};
}"""

# The words of code that a code block's copy button covers: each word's boxes, cut to the part
# of the code's scroll box that shows, against the button bar's box.
UNDER_THE_BUTTON = """() => {
  const covered = [];
  let blocks = 0;
  const range = document.createRange();
  const meet = (a, b) =>
    a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  for (const pre of document.querySelectorAll('article pre')) {
    const nav = pre.querySelector('.md-code__nav');
    const code = pre.querySelector(':scope > code');
    if (!nav || !code || !nav.getClientRects().length) continue;
    blocks++;
    const button = nav.getBoundingClientRect();
    const view = code.getBoundingClientRect();
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/\\S+/g)) {
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        for (const r of range.getClientRects()) {
          const shown = {left: Math.max(r.left, view.left), right: Math.min(r.right, view.right),
                         top: Math.max(r.top, view.top), bottom: Math.min(r.bottom, view.bottom)};
          if (shown.left < shown.right && shown.top < shown.bottom && meet(shown, button))
            covered.push(word[0]);
        }
      }
    }
  }
  return {blocks, covered};
}"""


@pytest.fixture(scope="module", params=WIDTHS, ids=lambda width: f"{width}px")
def tab(browser, request):
    """One tab at each width, shared by the pages a test visits."""
    context = browser.new_context(viewport={"width": request.param, "height": 844})
    yield context.new_page()
    context.close()


def visit(tab, site, path: str) -> None:
    """Open a page with every section laid out and every folded answer open."""
    response = tab.goto(site.url + path)
    assert response is not None
    assert response.status == 200, path
    tab.add_style_tag(content=".cnnviz-section { content-visibility: visible !important }")
    tab.evaluate("document.querySelectorAll('article details').forEach(d => { d.open = true; })")


@pytest.mark.parametrize("path", SAMPLE)
def test_korean_keeps_words_whole_and_english_is_untouched(site, tab, path):
    """Korean text, links and inline code in it, the nav and the search results break between
    words (keep-all); English pages keep the browser's breaking; code blocks keep theirs."""
    selectors = "article :is(p, li, figcaption, td, th, a, :not(pre) > code), .md-nav__link"
    read = """s => [...new Set([...document.querySelectorAll(s)]
        .map(e => getComputedStyle(e).wordBreak))]"""
    visit(tab, site, path)
    assert tab.evaluate(read, selectors) == ["keep-all"]
    assert tab.evaluate(read, ".md-search-result") == ["keep-all"]
    assert set(tab.evaluate(read, "article pre > code")) <= {"normal"}
    visit(tab, site, "en/" + path)
    assert tab.evaluate(read, "article :is(p, li, figcaption, td, th)") == ["normal"]


def test_a_korean_word_longer_than_the_line_still_wraps(site, tab):
    """A run of Hangul with no space, longer than any line, in a paragraph, a link and a
    caption, breaks where it must instead of running off the screen."""
    visit(tab, site, "relu/")
    widths = tab.evaluate("""() => {
        const word = '합성곱필터특성맵'.repeat(20);
        const article = document.querySelector('article');
        const p = article.appendChild(document.createElement('p'));
        p.textContent = word;
        const a = article.appendChild(document.createElement('p')).appendChild(
            document.createElement('a'));
        a.href = '#'; a.textContent = word;
        const caption = article.querySelector('figcaption');
        caption.textContent = word;
        const right = Math.max(...[p, a, caption].map(e => e.getBoundingClientRect().right));
        return [right, article.getBoundingClientRect().right,
                document.documentElement.scrollWidth, innerWidth];
    }""")
    right, edge, scroll, viewport = widths
    assert right <= edge + 1
    assert scroll <= viewport


@pytest.mark.parametrize("path", CAPTIONED + ["en/" + page for page in CAPTIONED])
def test_captions_are_upright_and_flush_left(site, tab, path):
    """Every figure caption, in both languages, is upright (no italic), flush left in a block
    no wider than the figure, and a Korean page synthesises no slant for Hangul at all."""
    visit(tab, site, path)
    captions = tab.evaluate("""() => [...document.querySelectorAll('article figcaption')]
        .map(c => {
            const s = getComputedStyle(c), r = c.getBoundingClientRect(),
                  f = c.parentElement.getBoundingClientRect();
            return [s.fontStyle, s.textAlign, r.left >= f.left - 1 && r.right <= f.right + 1];
        })""")
    assert captions
    assert {style for style, _, _ in captions} == {"normal"}
    assert {align for _, align, _ in captions} <= {"start", "left"}
    assert all(inside for _, _, inside in captions)
    synthesis = tab.evaluate(
        "getComputedStyle(document.querySelector('article p')).fontSynthesisStyle"
    )
    assert synthesis == ("auto" if path.startswith("en/") else "none")


@pytest.mark.parametrize("path", KOREAN + ENGLISH)
def test_no_code_sits_under_the_copy_button_and_no_korean_word_is_split(site, tab, path):
    """A code block's copy button covers no word of its code, even where a long first line
    scrolls sideways on a phone. On a Korean page, in paragraphs, lists, captions, tables and
    headings, a line breaks only between words, and no Hangul is slanted by the browser."""
    visit(tab, site, path)
    found = tab.evaluate(UNDER_THE_BUTTON)
    assert found["covered"] == [], f"{path}: {found['blocks']} blocks"
    if path in KOREAN:
        found = tab.evaluate(READ_KOREAN)
        assert found["pairs"] > 0, "no Korean word found"
        assert found["splits"] == [], f"{path}: {len(found['splits'])} words split"
        assert found["slanted"] == []


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("size", [4, 7])
def test_playground_filter_cells_are_legible_on_a_phone(site, browser, language, size):
    """On a 390 px phone the filter's cells are set in 14 px or more (16 px up to six columns),
    a five-character weight (-0.25) shows whole in every cell of a 7×7 filter, and nothing
    scrolls sideways."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    page.goto(site.url + ("playground/" if language == "ko" else "en/playground/"))
    page.wait_for_function("() => window.cnnvizPlayground !== undefined")
    page.evaluate("() => window.cnnvizPlayground.ready")
    page.evaluate("k => window.cnnvizPlayground.setKernel(k)", [[-0.25] * size] * size)
    cells = page.evaluate("""() => [...document.querySelectorAll('.pg-cell')].map(cell => {
        const style = getComputedStyle(cell);
        const context = document.createElement('canvas').getContext('2d');
        context.font = `${style.fontSize} ${style.fontFamily}`;
        const room = cell.clientWidth - parseFloat(style.paddingLeft)
                     - parseFloat(style.paddingRight);
        const text = context.measureText(cell.value).width;
        return [parseFloat(style.fontSize), cell.value, text, room];
    })""")
    assert len(cells) == size * size
    assert {value for _, value, _, _ in cells} == {"-0.25"}
    assert min(font for font, _, _, _ in cells) >= (16 if size < 7 else 14)
    assert all(text <= room for _, _, text, room in cells), cells[0]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


# The playground page's reasons (tests/reasons/playground.toml)

MAP_COLOURS = """async () => {
  const result = await window.cnnvizPlayground.result();
  const found = {};
  for (const name of ['conv', 'relu', 'pooled']) {
    const rows = result[name];
    const canvas = document.querySelector(`[data-pg=${name}]`);
    const {data} = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let [negative, blue, blueElsewhere] = [0, 0, 0];
    rows.forEach((row, i) => row.forEach((value, j) => {
      const k = 4 * (i * canvas.width + j);
      if (value < 0) negative++;
      if (data[k + 2] > data[k]) {
        blue++;
        if (!(value < 0)) blueElsewhere++;
      }
    }));
    found[name] = {shape: [canvas.height, canvas.width, rows.length, rows[0].length],
                   negative, blue, blueElsewhere};
  }
  return found;
}"""


def test_playground_relu_and_pooled_maps_hold_no_blue(site, page):
    """On every sample, a map is blue only where a value is negative: the convolution map of f1
    has negatives and shows blue there, and the ReLU and pooled maps, with no negative value,
    show no blue."""
    page.goto(site.url + "playground/")
    page.wait_for_function("() => window.cnnvizPlayground !== undefined")
    page.evaluate("() => window.cnnvizPlayground.ready")
    samples = page.evaluate("() => window.cnnvizPlayground.samples()")
    assert len(samples) >= 4
    for sample in samples:
        page.evaluate("name => window.cnnvizPlayground.setImage(name)", sample)
        found = page.evaluate(MAP_COLOURS)
        for name, seen in found.items():
            height, width, rows, cols = seen["shape"]
            assert (height, width) == (rows, cols), (sample, name)  # one canvas pixel a value
            assert seen["blueElsewhere"] == 0, (sample, name)
        assert found["conv"]["negative"] > 0, sample
        assert found["conv"]["blue"] > 0, sample
        for name in ("relu", "pooled"):
            assert found[name]["negative"] == 0, (sample, name)
            assert found[name]["blue"] == 0, (sample, name)
