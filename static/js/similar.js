// 已有答复的类似问题 on the filing form: while the business types the subject (and the description),
// asks /api/v1/answers/similar and lists the answers. Without JavaScript the form still works: the
// list is drawn from what was typed when the form comes back, and a link leads to the answers.
(function () {
  "use strict";
  var box = document.getElementById("similar-answers");
  var list = document.getElementById("similar-list");
  var subject = document.getElementById("f-subject");
  var description = document.getElementById("f-description");
  var topic = document.getElementById("f-topic");
  if (!box || !list || !subject) { return; }
  var timer = null;
  var last = "";

  function typed() {
    var text = subject.value.trim();
    if (description && description.value.trim()) { text += " " + description.value.trim().slice(0, 100); }
    return text.trim();
  }

  function show(answers) {
    list.textContent = "";
    answers.forEach(function (answer) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = answer.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = answer.question;
      item.appendChild(link);
      list.appendChild(item);
    });
    box.hidden = answers.length === 0;
  }

  function ask() {
    var text = typed();
    if (text.length < 2 || text === last) { return; }
    last = text;
    var url = box.getAttribute("data-endpoint") + "?q=" + encodeURIComponent(text) +
      (topic && topic.value ? "&topic=" + encodeURIComponent(topic.value) : "");
    fetch(url, {headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {answers: []}; })
      .then(function (data) { if (data.query === text) { show(data.answers); } })
      .catch(function () { /* a convenience: filing still works */ });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  }

  subject.addEventListener("input", later);
  if (description) { description.addEventListener("input", later); }
}());
