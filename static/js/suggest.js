// Title suggestions while typing: fills the search box's <datalist> from /api/v1/suggest.
// Without JavaScript the form still works, and the results page lists matching titles.
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[data-suggest]");
  Array.prototype.forEach.call(inputs, function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var last = "";
    if (!list) { return; }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = input.value.trim();
        if (!text || text === last) { return; }
        last = text;
        fetch(input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(text), {headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : {suggestions: []}; })
          .then(function (data) {
            if (data.query !== input.value.trim()) { return; }
            list.textContent = "";
            data.suggestions.forEach(function (item) {
              var option = document.createElement("option");
              option.value = item.title;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a convenience; searching still works */ });
      }, 150);
    });
  });
}());
