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
