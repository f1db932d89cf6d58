// kaifaqu: the little JavaScript there is. Pages work without it.
// A form with data-confirm asks before submitting (deletes, revocations).
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});
