// payserv's AtomPay sandbox: the stand-in for AtomPay's checkout script (no real money).
// Like AtomPay's, `new AtomPaynetz(options, environment)` opens the checkout for
// options.atomTokenId; here that is the sandbox's own page next to this script.
(function () {
  "use strict";
  var base = new URL(".", document.currentScript.src);
  window.AtomPaynetz = function (options) {
    var page = new URL("pay/" + encodeURIComponent(options.atomTokenId), base);
    window.location.assign(page.href);
  };
})();
