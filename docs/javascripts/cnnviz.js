/* cnnviz: name the figure lightbox in the page's language.
 *
 * GLightbox builds its dialog when a figure is opened, with no accessible name and with
 * English button labels. This labels the dialog and its buttons as soon as it appears.
 */
(function () {
  "use strict";

  var LABELS = {
    ko: { dialog: "확대한 그림", close: "닫기", next: "다음 그림", prev: "이전 그림" },
    en: { dialog: "Enlarged figure", close: "Close", next: "Next figure", prev: "Previous figure" }
  };

  function label(dialog) {
    var words = LABELS[document.documentElement.lang] || LABELS.en;
    dialog.setAttribute("aria-label", words.dialog);
    [["gclose", words.close], ["gnext", words.next], ["gprev", words.prev]].forEach(function (pair) {
      var button = dialog.querySelector("." + pair[0]);
      if (button) button.setAttribute("aria-label", pair[1]);
    });
  }

  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) {
        if (node.id === "glightbox-body") label(node);
      });
    });
  }).observe(document.body, { childList: true });
})();

/* cnnviz: the sliding-window step-through on the convolution page.
 *
 * A `.cnnviz-steps` block names a JSON file of figures/ (written at build time from the
 * lesson's own arrays): a small image as 8-bit levels, a filter, and the output the network
 * computed over it. Buttons and the arrow keys move the filter one place at a time; the
 * window is outlined on the image, its cells tinted by the sign of the weight they meet, and
 * the output fills in cell by cell. Nothing moves by itself.
 */
(function () {
  "use strict";

  var SCRIPT = document.currentScript;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return key in values ? values[key] : whole;
    });
  }

  function grid(rows, label, cellOf) {
    var table = document.createElement("table");
    table.className = "cnnviz-steps-grid";
    var caption = table.createCaption();
    caption.textContent = label;
    var body = table.createTBody();
    rows.forEach(function (row, i) {
      var tr = body.insertRow();
      row.forEach(function (value, j) {
        cellOf(tr.insertCell(), value, i, j);
      });
    });
    return table;
  }

  function start(root) {
    var text = JSON.parse(root.querySelector("script.cnnviz-steps-strings").textContent);
    var base = (SCRIPT && SCRIPT.src) || location.href;
    var address = new URL("../figures/" + root.dataset.steps, base);
    fetch(address)
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        build(root, text, data);
      })
      .catch(function () {
        root.querySelector(".cnnviz-steps-status").textContent = text.failed;
      });
  }

  function build(root, text, data) {
    var kh = data.kernel.length;
    var kw = data.kernel[0].length;
    var rows = data.output.length;
    var cols = data.output[0].length;
    var total = rows * cols;
    var step = 0;
    var image = grid(data.levels, text.image, function (cell, value) {
      cell.textContent = value;
    });
    var output = grid(data.output, text.output, function (cell) {
      cell.textContent = "";
    });
    var grids = root.querySelector(".cnnviz-steps-grids");
    grids.replaceChildren(image, output);
    var status = root.querySelector(".cnnviz-steps-status");
    var buttons = root.querySelectorAll("button[data-step]");

    function show() {
      var top = Math.floor(step / cols);
      var left = step % cols;
      var sum = 0;
      data.levels.forEach(function (row, i) {
        row.forEach(function (value, j) {
          var cell = image.rows[i].cells[j];
          var u = i - top;
          var v = j - left;
          var inside = u >= 0 && u < kh && v >= 0 && v < kw;
          cell.className = inside ? (data.kernel[u][v] < 0 ? "is-negative" : "is-positive") : "";
          if (inside) sum += value * data.kernel[u][v];
        });
      });
      data.output.forEach(function (row, i) {
        row.forEach(function (value, j) {
          var cell = output.rows[i].cells[j];
          var index = i * cols + j;
          cell.textContent = index <= step ? value.toFixed(4) : "";
          cell.className = index === step ? "is-current" : "";
        });
      });
      status.textContent = fill(text.step, {
        n: step + 1,
        total: total,
        row: data.origin[0] + top,
        col: data.origin[1] + left,
        sum: sum,
        value: data.output[top][left].toFixed(4),
      });
      // aria-disabled, not disabled: a button at its end stays reachable with Tab.
      buttons[0].setAttribute("aria-disabled", String(step === 0));
      buttons[1].setAttribute("aria-disabled", String(step === total - 1));
      root.dataset.step = String(step);
    }

    function go(to) {
      step = Math.max(0, Math.min(total - 1, to));
      show();
    }

    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        go(step + Number(button.dataset.step));
      });
    });
    root.addEventListener("keydown", function (event) {
      var moves = { ArrowRight: step + 1, ArrowLeft: step - 1, Home: 0, End: total - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      go(moves[event.key]);
    });
    show();
  }

  function startAll() {
    document.querySelectorAll(".cnnviz-steps").forEach(start);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startAll);
  else startAll();
})();

/* cnnviz: a link to a heading lands on that heading.
 *
 * Each `##` section is laid out only when it nears the screen (`content-visibility: auto` in
 * cnnviz.css), at a guessed height until then. Jumping to a heading further down would land by
 * those guesses, and the sections above would then settle to their real heights and push the
 * heading away. So on arriving with a #fragment, or following one, the sections up to the
 * target are laid out for real first, and the target is scrolled to again.
 */
(function () {
  "use strict";

  function settle() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) return;
    document.querySelectorAll(".md-typeset > .cnnviz-section").forEach(function (section) {
      var before = section.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_FOLLOWING;
      if (before || section.contains(target)) section.style.contentVisibility = "visible";
    });
    target.scrollIntoView();
  }

  window.addEventListener("hashchange", settle);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", settle);
  else settle();
})();
