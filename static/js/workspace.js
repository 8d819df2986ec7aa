// Reply templates: choosing one fills the reply box (only when it is empty or unchanged by hand).
document.querySelectorAll("select.template-picker").forEach(function (picker) {
  var target = document.getElementById(picker.dataset.target);
  var lastInserted = "";
  picker.addEventListener("change", function () {
    if (!target || !picker.value) return;
    if (target.value.trim() && target.value !== lastInserted &&
        !window.confirm("用模板替换已填写的答复内容？")) {
      picker.value = "";
      return;
    }
    target.value = lastInserted = picker.value;
    target.focus();
  });
});
