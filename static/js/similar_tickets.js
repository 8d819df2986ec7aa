// The filing form: once a subject and a description are typed, published tickets on the same matter
// (open or answered) are listed under the description, so a business may read the answer instead of
// filing again. Without JavaScript the form works the same; nothing typed leaves the page in a URL.
(function () {
  "use strict";
  var box = document.getElementById("similar-tickets");
  var subject = document.getElementById("f-subject");
  var description = document.getElementById("f-description");
  var list = document.getElementById("similar-tickets-list");
  var form = box && box.closest("form");
  var token = form && form.querySelector("input[name=csrf_token]");
  var timer = null;
  var asked = "";
  if (!box || !subject || !description || !list) { return; }

  function item(ticket) {
    var li = document.createElement("li");
    var title = document.createElement("strong");
    title.textContent = ticket.subject;
    li.appendChild(title);
    var facts = document.createElement("span");
    facts.className = "muted";
    facts.textContent = "（" + ticket.status_label + " · " + ticket.bureau_name +
      (ticket.reply_due ? " · 答复期限 " + ticket.reply_due : "") + "）";
    li.appendChild(document.createTextNode(" "));
    li.appendChild(facts);
    if (ticket.reply) {
      var details = document.createElement("details");
      var summary = document.createElement("summary");
      summary.textContent = "查看答复";
      var text = document.createElement("p");
      text.className = "reply-text";
      text.textContent = ticket.reply;
      details.appendChild(summary);
      details.appendChild(text);
      li.appendChild(details);
    }
    return li;
  }

  function ask() {
    var s = subject.value.trim();
    var d = description.value.trim();
    if (s.length < 4 || d.length < 10) { return; }
    var key = s + "\n" + d;
    if (key === asked) { return; }
    asked = key;
    fetch(box.getAttribute("data-similar"), {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": token ? token.value : ""},
      body: JSON.stringify({subject: s, description: d.slice(0, 2000)})
    })
      .then(function (response) { return response.ok ? response.json() : {tickets: []}; })
      .then(function (data) {
        if (asked !== key) { return; }
        list.textContent = "";
        data.tickets.forEach(function (ticket) { list.appendChild(item(ticket)); });
        box.hidden = data.tickets.length === 0;
      })
      .catch(function () { /* a convenience: filing works without it */ });
  }

  [subject, description].forEach(function (field) {
    field.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 800); });
    field.addEventListener("change", ask);
  });
}());
