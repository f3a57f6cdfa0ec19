// Behaviour every page shares. No inline script anywhere: the Content-Security-Policy
// allows scripts from this site's static files only.
(function () {
  // A select marked data-submit-on-change submits its form when changed (the language).
  document.querySelectorAll("[data-submit-on-change]").forEach(function (element) {
    element.addEventListener("change", function () {
      element.form.submit();
    });
  });
})();
